"""The certificate as a PDF (fpdf2): every item the 2021 measures require, in Chinese with an
embedded CJK TrueType font, a QR code of the verification address and the short code."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.fonts import FontFace

from models.certificates import Certificate, CertificateStatus
from models.dispatch import ServiceCategory
from services.certificates.records import CITY_ZONE
from services.certificates.verification import verification_url
from settings import get_settings

FONT = "cjk"
CATEGORY_NAMES = {
    ServiceCategory.ELDERLY_CARE: "助老服务",
    ServiceCategory.CHILD_CARE: "儿童关爱",
    ServiceCategory.MEDICAL_ESCORT: "就医陪护",
    ServiceCategory.HOME_REPAIR: "家居维修",
    ServiceCategory.TUTORING: "学业辅导",
    ServiceCategory.COMPANIONSHIP: "陪伴探访",
    ServiceCategory.ERRANDS: "代办跑腿",
    ServiceCategory.LEGAL_AID: "法律援助",
    ServiceCategory.PSYCHOLOGICAL_SUPPORT: "心理疏导",
    ServiceCategory.TRANSLATION: "翻译服务",
    ServiceCategory.ENVIRONMENTAL: "环境保护",
    ServiceCategory.EVENT_SUPPORT: "活动保障",
    ServiceCategory.OTHER: "其他服务",
}


class FontMissing(RuntimeError):
    """The configured CJK font is not there: a deployment fault, not the caller's."""


def _font_path() -> Path:
    path = Path(get_settings().certificate_font_path)
    if not path.is_file() or path.suffix.lower() not in (".ttf", ".ttc", ".otf"):
        raise FontMissing(
            f"CERTIFICATE_FONT_PATH={path} is not a TrueType font file; install Debian's "
            "fonts-wqy-microhei or point the setting at another CJK .ttf/.ttc."
        )
    return path


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _hours(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)).normalize():f} 小时"


def _category(raw: str) -> str:
    try:
        return CATEGORY_NAMES[ServiceCategory(raw)]
    except ValueError:
        return raw


def render(certificate: Certificate) -> bytes:
    if certificate.issued_at is None or certificate.verification_code is None:
        raise ValueError("only an issued certificate has a PDF")
    pdf = FPDF(format="A4")
    pdf.set_title(f"志愿服务记录证明 {certificate.number}")
    pdf.set_creator("volunteer-city")
    pdf.add_font(FONT, fname=str(_font_path()))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(FONT, size=22)
    pdf.cell(width, 14, "志愿服务记录证明", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    issued = certificate.issued_at.astimezone(CITY_ZONE).date()
    pdf.cell(
        width,
        7,
        f"证明编号：{certificate.number}    出具日期：{_day(issued)}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if certificate.status == CertificateStatus.REVOKED:
        pdf.set_text_color(200, 0, 0)
        pdf.set_font(FONT, size=14)
        pdf.multi_cell(
            width,
            9,
            f"本证明已撤销：{certificate.revocation_reason}",
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_text_color(0, 0, 0)
    pdf.ln(4)

    pdf.set_font(FONT, size=12)
    lines = (
        f"志愿者姓名：{certificate.volunteer_name}",
        f"证件类型：{certificate.id_type}    证件号码：{certificate.id_number_masked}",
        f"志愿者编号：{certificate.volunteer_number}",
        f"服务期间：{_day(certificate.period_start)}至{_day(certificate.period_end)}",
        f"服务时长：{_hours(certificate.hours)}（共 {len(certificate.services)} 次服务）",
    )
    for line in lines:
        pdf.cell(width, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    pdf.set_font(FONT, size=10)
    # The font has no bold face: headings are told apart by their fill instead.
    headings = FontFace(emphasis="", fill_color=(230, 230, 230))
    with pdf.table(
        col_widths=(30, 30, 50, 25), text_align="CENTER", headings_style=headings
    ) as table:
        table.row(("服务日期", "订单编号", "服务内容", "时长"))
        for service in certificate.services:
            table.row(
                (
                    str(service["date"]),
                    f"#{service['orderId']}",
                    _category(str(service["category"])),
                    _hours(Decimal(str(service["hours"]))),
                )
            )
    pdf.ln(4)

    pdf.set_font(FONT, size=12)
    issuer = (
        f"出具单位：{certificate.organization_name}"
        + ("（由平台代为出具）" if certificate.on_behalf else ""),
        f"负责人：{certificate.person_in_charge}    经办人：{certificate.handler}",
        f"联系方式：{certificate.contact}",
    )
    for line in issuer:
        pdf.cell(width, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    url = verification_url(certificate.verification_code)
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    top = pdf.get_y()
    pdf.image(qr, x=pdf.l_margin, y=top, w=32, h=32)
    pdf.set_xy(pdf.l_margin + 36, top + 4)
    pdf.set_font(FONT, size=11)
    pdf.multi_cell(
        width - 36,
        7,
        f"验证码：{certificate.verification_code}\n扫描二维码或访问 {url} 核验本证明真伪。",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
