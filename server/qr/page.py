"""The public status page of ``/q/<token>``: small HTML, inline CSS, no script, in the reader's
language (English, Simplified or Traditional Chinese by Accept-Language). It shows the order
number, its status, its progress along the main path and the last update — never a customer,
an address, lines or prices. An unverifiable token gets the reason and nothing else."""

from __future__ import annotations

from html import escape

from server.qr.service import StatusView

MAIN_PATH = ("draft", "submitted", "confirmed", "picking", "packed", "shipped", "delivered",
             "completed")  # fmt: skip

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Order status", "order": "Order", "updated": "Last update",
        "draft": "Draft", "submitted": "Received", "on_hold": "On hold", "confirmed": "Confirmed",
        "picking": "Being picked", "packed": "Packed", "shipped": "Shipped",
        "delivered": "Delivered", "completed": "Completed", "cancelled": "Cancelled",
        "returned": "Returned", "refunded": "Refunded",
        "bad": "This code cannot be checked",
        "malformed": "This is not an order code, or it was not read completely.",
        "wrong_version": "This code is of a kind this server does not read.",
        "unknown_key": "This code was not issued by us.",
        "tampered": "This code has been altered.",
        "bad_certificate": "This code was signed by a device we do not recognise.",
        "revoked_key": "This code was made by a device that is no longer allowed to issue codes.",
        "revoked_token": "This code was replaced by a newer code. Please use the newest one.",
        "unknown_order": "This order is no longer available.",
        "unrecorded": "We have no record of this code yet. If the order was just made without "
        "a connection, try again once the salesperson's device has synced.",
        "rate_limited": "Too many requests. Please try again in a minute.",
    },
    "zh-Hans": {
        "title": "订单状态", "order": "订单", "updated": "最后更新",
        "draft": "草稿", "submitted": "已接收", "on_hold": "暂缓", "confirmed": "已确认",
        "picking": "拣货中", "packed": "已打包", "shipped": "已发货", "delivered": "已送达",
        "completed": "已完成", "cancelled": "已取消", "returned": "已退货", "refunded": "已退款",
        "bad": "无法验证此二维码",
        "malformed": "这不是订单二维码，或未能完整读取。",
        "wrong_version": "本服务器无法读取此类二维码。",
        "unknown_key": "此二维码不是我们签发的。",
        "tampered": "此二维码已被篡改。",
        "bad_certificate": "此二维码由未经认可的设备签发。",
        "revoked_key": "签发此二维码的设备已被停用。",
        "revoked_token": "此二维码已被新的二维码取代，请使用最新的二维码。",
        "unknown_order": "此订单已不可查询。",
        "unrecorded": "我们尚无此二维码的记录。如果订单刚在离线时创建，请在销售人员的设备同步后再试。",
        "rate_limited": "请求过多，请一分钟后再试。",
    },
    "zh-Hant": {
        "title": "訂單狀態", "order": "訂單", "updated": "最後更新",
        "draft": "草稿", "submitted": "已接收", "on_hold": "暫緩", "confirmed": "已確認",
        "picking": "揀貨中", "packed": "已打包", "shipped": "已出貨", "delivered": "已送達",
        "completed": "已完成", "cancelled": "已取消", "returned": "已退貨", "refunded": "已退款",
        "bad": "無法驗證此 QR 碼",
        "malformed": "這不是訂單 QR 碼，或未能完整讀取。",
        "wrong_version": "本伺服器無法讀取此類 QR 碼。",
        "unknown_key": "此 QR 碼不是我們簽發的。",
        "tampered": "此 QR 碼已被竄改。",
        "bad_certificate": "此 QR 碼由未經認可的裝置簽發。",
        "revoked_key": "簽發此 QR 碼的裝置已被停用。",
        "revoked_token": "此 QR 碼已被新的 QR 碼取代，請使用最新的 QR 碼。",
        "unknown_order": "此訂單已無法查詢。",
        "unrecorded": "我們尚無此 QR 碼的記錄。如果訂單剛在離線時建立，請在銷售人員的裝置同步後再試。",
        "rate_limited": "請求過多，請一分鐘後再試。",
    },
}  # fmt: skip

CSS = (
    "body{font-family:system-ui,sans-serif;margin:0;padding:1.5rem;background:#f6f7f9;color:#111}"
    "main{max-width:28rem;margin:auto;background:#fff;border-radius:12px;padding:1.25rem;"
    "box-shadow:0 1px 4px #0002}h1{font-size:1.1rem;margin:0 0 .5rem;color:#555}"
    ".num{font-size:1.6rem;font-weight:700;margin:0}.st{font-size:1.25rem;margin:.4rem 0 1rem}"
    "ol{list-style:none;padding:0;margin:0}li{padding:.3rem 0 .3rem 1.6rem;position:relative;"
    "color:#666}li:before{content:'';position:absolute;left:.2rem;top:.55rem;width:.8rem;"
    "height:.8rem;border-radius:50%;border:2px solid #ccc}li.done{color:#111}"
    "li.done:before{background:#2a7;border-color:#2a7}li.now{font-weight:700}"
    "small{color:#666}.bad{color:#b22}"
)


def language(accept: str | None) -> str:
    """en, zh-Hans or zh-Hant: the first of the reader's languages we have."""
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            hant = any(x in tag for x in ("hant", "-tw", "-hk", "-mo"))
            return "zh-Hant" if hant else "zh-Hans"
        if tag.startswith("en"):
            return "en"
    return "en"


def _doc(lang: str, body: str) -> str:
    t = TEXT[lang]
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(t['title'])}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def render(view: StatusView, lang: str) -> str:
    t = TEXT[lang]
    if view.reason != "valid":
        return _doc(lang, f"<h1 class=\"bad\">{escape(t['bad'])}</h1>"
                          f"<p>{escape(t.get(view.reason, t['malformed']))}</p>")  # fmt: skip
    assert view.number is not None and view.status is not None
    reached = {status: at for status, at in view.reached}
    if view.status in MAIN_PATH:
        now = MAIN_PATH.index(view.status)
        steps = []
        for i, status in enumerate(MAIN_PATH):
            cls = "done now" if i == now else "done" if i < now else ""
            when = reached.get(status, "")
            small = f" <small>{escape(when[:16].replace('T', ' '))}</small>" if when else ""
            steps.append(f'<li class="{cls}">{escape(t[status])}{small}</li>')
        progress = "<ol>" + "".join(steps) + "</ol>"
    else:
        progress = ""  # on hold, cancelled, returned, refunded: the status says it all
    updated = (view.updated_at or "")[:16].replace("T", " ")
    return _doc(
        lang,
        f'<h1>{escape(t["order"])}</h1><p class="num">{escape(view.number)}</p>'
        f'<p class="st">{escape(t.get(view.status, view.status))}</p>{progress}'
        f"<p><small>{escape(t['updated'])}: {escape(updated)} UTC</small></p>",
    )


def rate_limited(lang: str) -> str:
    t = TEXT[lang]
    return _doc(lang, f'<h1 class="bad">{escape(t["rate_limited"])}</h1>')
