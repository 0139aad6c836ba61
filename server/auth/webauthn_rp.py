"""The relying party's side of WebAuthn, through py_webauthn: options out, answers verified.

Policy in one place: discoverable credentials, user verification required, ES256 / EdDSA /
RS256, no attestation (we trust the passkey, not a vendor certificate chain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    options_to_json_dict,
    parse_authentication_credential_json,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from server.auth.errors import WebAuthnInvalid
from server.config import Settings

RP_NAME = "Orderly"
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]


@dataclass(frozen=True)
class NewPasskey:
    credential_id: str  # base64url
    public_key: str  # base64url of the COSE key
    sign_count: int
    aaguid: str
    backed_up: bool
    transports: list[str]


@dataclass(frozen=True)
class Assertion:
    credential_id: str  # base64url
    user_handle: str | None  # the user id the authenticator holds, if it sent one
    raw: Any  # the parsed credential, for ``verify_assertion``


def registration_options(
    settings: Settings, user_id: str, user_name: str, exclude: list[str]
) -> tuple[str, dict[str, Any]]:
    """(challenge as base64url, options as JSON for the browser)."""
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=RP_NAME,
        user_id=user_id.encode(),  # a UUIDv7: no personal data in the authenticator's handle
        user_name=user_name,
        user_display_name=user_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in exclude
        ],
        supported_pub_key_algs=ALGORITHMS,
    )
    return bytes_to_base64url(options.challenge), options_to_json_dict(options)


def verify_registration(
    settings: Settings, credential: dict[str, Any], challenge: str
) -> NewPasskey:
    try:
        v = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as e:
        raise WebAuthnInvalid(f"the passkey could not be verified: {e}") from None
    transports = (credential.get("response") or {}).get("transports") or []
    return NewPasskey(
        credential_id=bytes_to_base64url(v.credential_id),
        public_key=bytes_to_base64url(v.credential_public_key),
        sign_count=v.sign_count,
        aaguid=v.aaguid,
        backed_up=v.credential_backed_up,
        transports=[str(t) for t in transports if isinstance(t, str)][:8],
    )


def authentication_options(settings: Settings) -> tuple[str, dict[str, Any]]:
    """Options that name no credential: the authenticator offers the passkeys it holds."""
    options = generate_authentication_options(
        rp_id=settings.rp_id,
        allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return bytes_to_base64url(options.challenge), options_to_json_dict(options)


def parse_assertion(credential: dict[str, Any]) -> Assertion:
    try:
        parsed = parse_authentication_credential_json(credential)
    except (WebAuthnException, ValueError, KeyError, TypeError) as e:
        raise WebAuthnInvalid(f"the browser's answer is not a WebAuthn assertion: {e}") from None
    handle = parsed.response.user_handle
    return Assertion(
        credential_id=bytes_to_base64url(parsed.raw_id),
        user_handle=handle.decode(errors="replace") if handle else None,
        raw=parsed,
    )


def verify_assertion(
    settings: Settings, assertion: Assertion, challenge: str, public_key: str
) -> int:
    """Verify signature, challenge, origin, rp id, UP and UV. Returns the new sign count (the
    caller compares it with the stored one, to tell a cloned authenticator apart)."""
    try:
        v = verify_authentication_response(
            credential=assertion.raw,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            credential_public_key=base64url_to_bytes(public_key),
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as e:
        raise WebAuthnInvalid(f"the passkey's answer could not be verified: {e}") from None
    return v.new_sign_count
