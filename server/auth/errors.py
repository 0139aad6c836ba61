"""Auth errors a client can see; each has a stable code (docs/auth.md)."""

from __future__ import annotations

from server.errors import AppError


class AuthError(AppError):
    code = "auth_error"
    status = 400


class CeremonyExpired(AuthError):
    code = "ceremony_expired"


class EnrollmentInvalid(AuthError):
    code = "enrollment_invalid"


class EnrollmentExpired(AuthError):
    code = "enrollment_expired"


class EnrollmentUsed(AuthError):
    code = "enrollment_used"


class WebAuthnInvalid(AuthError):
    code = "webauthn_invalid"


class InvalidDevice(AuthError):
    code = "invalid_device"


class LoginFailed(AuthError):
    code = "login_failed"
    status = 401


class SignCountRegressed(AuthError):
    code = "sign_count_regressed"
    status = 401


class DeviceRevoked(AuthError):
    code = "device_revoked"
    status = 401


class CsrfFailed(AuthError):
    code = "csrf_failed"
    status = 403
