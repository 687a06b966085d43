"""Pre-order CSV import: real-world files from Excel and LibreOffice, bad rows, non-CSV files."""
from __future__ import annotations

import codecs
import io
import unicodedata
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.personnummer import parse_personnummer
from app.domain.preorder_csv import (
    ERR_ID_EXPONENT,
    ERR_ID_FORMAT,
    ERR_ID_LEADING_ZERO,
    ERR_LINE_BREAK,
    ERR_NAME_LOOKS_WRONG,
    MSG_BINARY,
    MSG_DOCX,
    MSG_EMPTY,
    MSG_HEADER_ONLY,
    MSG_NO_ROWS,
    MSG_ODS,
    MSG_PDF,
    MSG_XLS,
    MSG_XLSX,
    MSG_ZIP,
    ImportPreview,
    PreviewRow,
    apply_existing_open,
    parse_preorder_csv,
    person_keys,
    read_preorder_file,
    row_key,
)
from app.errors import ValidationError

DATA = Path(__file__).parent / "data" / "preorders"
TODAY = date(2025, 3, 14)

FIELDS = "namn, personnummer/födelsedatum, e-postadress"
CHECKSUM = "Personnumret är felaktigt (kontrollsiffran stämmer inte). Kontrollera siffrorna"
NO_DATE_IN_PNR = "Personnumret innehåller inget giltigt datum"
PNR_FUTURE = "Personnumret har ett födelsedatum i framtiden"
BAD_DATE = "Födelsedatumet är inget giltigt datum"
BAD_EMAIL = "E-postadressen är ogiltig"
ALREADY_OPEN = "Personen har redan en öppen förbeställning på den här produkten"


def luhn_pnr(first9: str) -> str:
    """YYMMDDNNN + the Luhn check digit."""
    total = 0
    for i, ch in enumerate(first9):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return first9 + str((10 - total % 10) % 10)


def table(preview: ImportPreview) -> list[tuple]:
    return [(r.line_no, r.raw, r.name, r.personnummer, r.birth_date, r.email, r.errors)
            for r in preview.rows]


def parse(text: str, encoding: str = "utf-8") -> ImportPreview:
    return parse_preorder_csv(text.encode(encoding), TODAY)


def rejection(data: bytes) -> str:
    with pytest.raises(ValidationError) as info:
        parse_preorder_csv(data, TODAY)
    return info.value.message


# --- the fixture files, byte for byte as the programs write them ---------------------------


def test_fixture_personnummer_are_valid():
    for pnr in ["198507099805", "8507099813", "640823-3234", "196601019117", "770412-8011",
                "19900867-2389", "230412+4171", "881224 5556", "19920229-3123", "020101-2341",
                "19990915-0121", "19900807-4578"]:
        assert parse_personnummer(pnr, TODAY)
    assert luhn_pnr("850709980") == "8507099805"


def test_libreoffice_text_csv_windows_1252_semicolon():
    data = (DATA / "libreoffice_cp1252_semicolon.csv").read_bytes()
    assert data.startswith("Åsa Öberg;".encode("cp1252")) and data.endswith(b"\n")
    assert b"\r" not in data and b"\x8a" in data  # 'Š' exists only in Windows-1252, not Latin-1

    preview = read_preorder_file(DATA / "libreoffice_cp1252_semicolon.csv", today=TODAY)

    assert (preview.encoding, preview.delimiter, preview.header_skipped) == ("cp1252", ";", False)
    assert preview.encoding_label == "Windows-1252"
    assert preview.delimiter_label == "semikolon"
    assert table(preview) == [
        (1, ["Åsa Öberg", "19850709-9805", "asa.oberg@example.se"],
         "Åsa Öberg", "198507099805", date(1985, 7, 9), "asa.oberg@example.se", []),
        (2, ["Jürgen Müller", "8507099813", "jurgen@müller.de"],
         "Jürgen Müller", "198507099813", date(1985, 7, 9), "jurgen@müller.de", []),
        (3, ["Seán O'Brien", "640823-3234", "sean.obrien@example.ie"],
         "Seán O'Brien", "196408233234", date(1964, 8, 23), "sean.obrien@example.ie", []),
        (4, ["Svensson, Karl", "196601019117", "karl.svensson@example.se"],
         "Svensson, Karl", "196601019117", date(1966, 1, 1), "karl.svensson@example.se", []),
        (5, ['Anna "Nina" Lind', "770412-8011", "nina.lind@example.se"],
         'Anna "Nina" Lind', "197704128011", date(1977, 4, 12), "nina.lind@example.se", []),
        # samordningsnummer: day + 60 kept in the number, the real date as birth date
        (6, ["Šárka Nováková", "19900867-2389", "sarka.novakova@example.cz"],
         "Šárka Nováková", "199008672389", date(1990, 8, 7), "sarka.novakova@example.cz", []),
        # '+': 100 years or older
        (7, ["Gunnel Åhlén", "230412+4171", "gunnel.ahlen@example.se"],
         "Gunnel Åhlén", "192304124171", date(1923, 4, 12), "gunnel.ahlen@example.se", []),
        (8, ["Lars-Åke Nilsson", "881224 5556", "LarsAke.Nilsson@Example.SE"],
         "Lars-Åke Nilsson", "198812245556", date(1988, 12, 24), "LarsAke.Nilsson@example.se", []),
    ]
    assert len(preview.valid_rows) == 8 and preview.invalid_rows == []


def test_excel_csv_utf8_with_bom_semicolon_crlf():
    data = (DATA / "excel_utf8_bom.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and data.endswith(b"\r\n")
    assert data.count(b"\r\n") == data.count(b"\n") == 7

    preview = read_preorder_file(DATA / "excel_utf8_bom.csv", today=TODAY)

    assert (preview.encoding, preview.delimiter, preview.header_skipped) == ("utf-8-sig", ";", True)
    assert preview.encoding_label == "UTF-8 med BOM"
    assert table(preview) == [
        (2, ["Zoë Ångström", "19920229-3123", "zoe.angstrom@example.com"],
         "Zoë Ångström", "199202293123", date(1992, 2, 29), "zoe.angstrom@example.com", []),
        # a date cell: Swedish Excel writes ÅÅÅÅ-MM-DD
        (3, ["Đorđe Petrović", "1977-04-12", "dorde.petrovic@example.rs"],
         "Đorđe Petrović", None, date(1977, 4, 12), "dorde.petrovic@example.rs", []),
        # a 12-digit number in a General cell is saved as shown: the digits are gone
        (4, ["Anna-Karin Nyström", "1,98812E+11", "anna-karin.nystrom@example.se"],
         "Anna-Karin Nyström", None, None, "anna-karin.nystrom@example.se", [ERR_ID_EXPONENT]),
        # line 5 is Excel's empty row ";;"
        (6, ["Ingrid Øster", "020101-2341", "ingrid.oster@example.no"],
         "Ingrid Øster", "200201012341", date(2002, 1, 1), "ingrid.oster@example.no", []),
        (7, ["Mats Larsson", "19990915-0121", "Mats.Larsson@Företaget.SE"],
         "Mats Larsson", "199909150121", date(1999, 9, 15), "Mats.Larsson@företaget.se", []),
    ]
    assert [r.line_no for r in preview.invalid_rows] == [4]


def test_header_row_comma_crlf_blank_lines_and_every_birth_date_format():
    data = (DATA / "header_crlf.csv").read_bytes()
    assert data.startswith(b"Namn,Personnummer,E-postadress\r\n") and data.endswith(b"\r\n\r\n")

    preview = read_preorder_file(DATA / "header_crlf.csv", today=TODAY)

    assert (preview.encoding, preview.delimiter, preview.header_skipped) == ("utf-8", ",", True)
    assert table(preview) == [
        (2, ["Åke Ström", "1988-12-24", "ake.strom@example.se"],
         "Åke Ström", None, date(1988, 12, 24), "ake.strom@example.se", []),
        (4, ["Britt Ek", "19660101", "britt.ek@example.se"],
         "Britt Ek", None, date(1966, 1, 1), "britt.ek@example.se", []),
        (5, ["Carl Ek", "020101", "carl.ek@example.se"],
         "Carl Ek", None, date(2002, 1, 1), "carl.ek@example.se", []),
        # ÅÅMMDD takes the most recent date that is not in the future
        (6, ["Doris Lund", "300101", "doris.lund@example.se"],
         "Doris Lund", None, date(1930, 1, 1), "doris.lund@example.se", []),
        (7, ["Frida Berg", "250315", "frida.berg@example.se"],
         "Frida Berg", None, date(1925, 3, 15), "frida.berg@example.se", []),
        (8, ["Svensson, Karl", "196601019117", "karl.svensson@example.se"],
         "Svensson, Karl", "196601019117", date(1966, 1, 1), "karl.svensson@example.se", []),
        (11, ["Erik   Johansson ", "198507099813 ", "erik.johansson@example.se"],
         "Erik Johansson", "198507099813", date(1985, 7, 9), "erik.johansson@example.se", []),
        (12, ["Greta Holm", "8507099805", "greta.holm@example.se"],
         "Greta Holm", "198507099805", date(1985, 7, 9), "greta.holm@example.se", []),
    ]


def test_every_kind_of_bad_row():
    preview = read_preorder_file(DATA / "bad_rows.csv", today=TODAY)

    assert (preview.encoding, preview.delimiter, preview.header_skipped) == ("cp1252", ",", False)
    four_fields = (f"Raden har 4 fält, förväntade 3 ({FIELDS}) – står det ett kommatecken i "
                   "namnet utan citattecken runt?")
    one_field = (f"Raden har 1 fält, förväntade 3 ({FIELDS}) – raden är avgränsad med semikolon, "
                 "resten av filen med komma")
    assert table(preview) == [
        (1, ["Anna Berg", "198507099805", "anna.berg@example.se"],
         "Anna Berg", "198507099805", date(1985, 7, 9), "anna.berg@example.se", []),
        (2, ["", "8507099813", "utan.namn@example.se"],
         "", "198507099813", date(1985, 7, 9), "utan.namn@example.se", ["Namn saknas"]),
        (3, ["Bo Ek", "198507099806", "bo.ek@example.se"],
         "Bo Ek", None, None, "bo.ek@example.se", [CHECKSUM]),
        (4, ["Cilla Ek", "851332-1234", "cilla.ek@example.se"],
         "Cilla Ek", None, None, "cilla.ek@example.se", [NO_DATE_IN_PNR]),
        (5, ["David Ek", "1985-02-30", "david.ek@example.se"],
         "David Ek", None, None, "david.ek@example.se", [BAD_DATE]),
        (6, ["Eva Ek", "20300101", "eva.ek@example.se"],
         "Eva Ek", None, None, "eva.ek@example.se", ["Födelsedatumet ligger i framtiden"]),
        (7, ["Fia Ek", "18991231", "fia.ek@example.se"],
         "Fia Ek", None, None, "fia.ek@example.se", ["Födelsedatumet ligger före år 1900"]),
        (8, ["Gun Ek", "851301", "gun.ek@example.se"],
         "Gun Ek", None, None, "gun.ek@example.se", [BAD_DATE]),
        (9, ["Hans Ek", "196408233234", "hans.example.se"],
         "Hans Ek", "196408233234", date(1964, 8, 23), None, [BAD_EMAIL]),
        (10, ["Ida Ek", "196601019117", ""],
         "Ida Ek", "196601019117", date(1966, 1, 1), None, ["E-postadress saknas"]),
        (11, ["Jan Ek", "196408233234"],
         "", None, None, None, [f"Raden har 2 fält, förväntade 3 ({FIELDS})"]),
        (12, ["Svensson", "Karl", "196601019117", "karl.svensson@example.se"],
         "", None, None, None, [four_fields]),
        (13, ["Anna Berg", "850709-9805", "anna.berg2@example.se"],
         "Anna Berg", "198507099805", date(1985, 7, 9), "anna.berg2@example.se",
         ["Samma person finns redan på rad 1"]),
        (14, ["Kent Ek", "1990-08-07", "kent.ek@example.se"],
         "Kent Ek", None, date(1990, 8, 7), "kent.ek@example.se", []),
        # same birth date + same name, any case and spacing
        (15, ["KENT  EK", "19900807", "kent@example.se"],
         "KENT EK", None, date(1990, 8, 7), "kent@example.se",
         ["Samma person finns redan på rad 14"]),
        # a personnummer row for the person given by birth date on line 14
        (16, ["Kent Ek", "19900807-4578", "kent.ek2@example.se"],
         "Kent Ek", "199008074578", date(1990, 8, 7), "kent.ek2@example.se",
         ["Samma person finns redan på rad 14"]),
        # same name and birth date as line 1 but another personnummer: another person
        (17, ["Anna Berg", "19850709-9813", "anna.berg3@example.se"],
         "Anna Berg", "198507099813", date(1985, 7, 9), "anna.berg3@example.se", []),
        (18, ["Lena Ek", "501011234", "lena.ek@example.se"],
         "Lena Ek", None, None, "lena.ek@example.se", [ERR_ID_LEADING_ZERO]),
        (19, ["Maja Ek", "1,98812E+11", "maja.ek@example.se"],
         "Maja Ek", None, None, "maja.ek@example.se", [ERR_ID_EXPONENT]),
        (20, ["Nils Ek", "okänt", "nils.ek@example.se"],
         "Nils Ek", None, None, "nils.ek@example.se", [ERR_ID_FORMAT]),
        (21, ["Olle Ek", "", "olle.ek@example.se"],
         "Olle Ek", None, None, "olle.ek@example.se", ["Personnummer eller födelsedatum saknas"]),
        # columns in the wrong order
        (22, ["pia.ek@example.se", "Pia Ek", "850709-9805"],
         "pia.ek@example.se", None, None, None, [ERR_NAME_LOOKS_WRONG, ERR_ID_FORMAT, BAD_EMAIL]),
        (23, ["", "", "inte-epost"],
         "", None, None, None,
         ["Namn saknas", "Personnummer eller födelsedatum saknas", BAD_EMAIL]),
        # a quoted cell over two physical lines; the next row is line 26
        (24, ["Rut Ek\nRutsson", "19881224-5556", "rut.ek@example.se"],
         "", None, None, None, [ERR_LINE_BREAK]),
        (26, ["Sara Ek", "20501231-1238", "sara.ek@example.se"],
         "Sara Ek", None, None, "sara.ek@example.se", [PNR_FUTURE]),
        (27, ["Tore Ek", "198812245556", "tore.ek@example.se;x@example.se"],
         "Tore Ek", "198812245556", date(1988, 12, 24), None, [BAD_EMAIL]),
        (28, ["Ulla Ek;19660101-9117;ulla.ek@example.se"],
         "", None, None, None, [one_field]),
        (29, ["Vera Ek", "", "vera.ek@example.se"],
         "Vera Ek", None, None, "vera.ek@example.se", ["Personnummer eller födelsedatum saknas"]),
        (30, ["Åke Öst", "19900867-2389", "ake.ost@example.se"],
         "Åke Öst", "199008672389", date(1990, 8, 7), "ake.ost@example.se", []),
        # Excel writes trailing separators when a column further right was ever used
        (31, ["Xena Ek", "19770412-8011", "xena.ek@example.se", "", ""],
         "Xena Ek", "197704128011", date(1977, 4, 12), "xena.ek@example.se", []),
    ]
    assert [r.line_no for r in preview.valid_rows] == [1, 14, 17, 30, 31]
    assert all(not r.ok for r in preview.invalid_rows) and len(preview.invalid_rows) == 25


# --- files that are not CSV: a clear message, nothing parsed --------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "tom.csv"
    path.write_bytes(b"")
    with pytest.raises(ValidationError) as info:
        read_preorder_file(path, today=TODAY)
    assert info.value.message == MSG_EMPTY
    assert info.value.message.startswith("Filen är tom.")


def test_file_with_only_blank_lines_and_separators_is_empty():
    assert rejection(b"\r\n  \r\n;;\r\n\r\n") == MSG_EMPTY


def test_header_only():
    assert rejection(b"Namn;Personnummer;E-post\r\n\r\n") == MSG_HEADER_ONLY


def test_pdf(tmp_path):
    path = tmp_path / "lista.pdf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
                     b"endobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    with pytest.raises(ValidationError) as info:
        read_preorder_file(path, today=TODAY)
    assert info.value.message == MSG_PDF
    assert "PDF" in MSG_PDF


def _zip(path: Path, members: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compress)
    return path.read_bytes()


def test_xlsx_workbook(tmp_path):
    path = tmp_path / "forbestallningar.xlsx"
    _zip(path, {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook><sheets><sheet name="Blad1"/></sheets></workbook>',
        "xl/worksheets/sheet1.xml": "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>Åsa Öberg</t>"
                                    "</is></c></row></sheetData></worksheet>".encode(),
    })
    with pytest.raises(ValidationError) as info:
        read_preorder_file(path, today=TODAY)
    assert info.value.message == (
        "Filen är en Excel-arbetsbok (.xlsx). Spara den som CSV i Excel: "
        "Arkiv > Spara som > CSV (semikolonavgränsad).")
    assert info.value.message == MSG_XLSX


def test_truncated_xlsx_still_named_as_workbook():
    assert rejection(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40) == MSG_XLSX


def test_ods_docx_and_plain_zip(tmp_path):
    ods = _zip(tmp_path / "a.ods", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                    "content.xml": b"<office:document-content/>"})
    docx = _zip(tmp_path / "a.docx", {"[Content_Types].xml": b"<Types/>",
                                      "word/document.xml": b"<w:document/>"})
    plain = _zip(tmp_path / "a.zip", {"lista.csv": b"Ada;19850709-9805;ada@example.se\n"})
    assert rejection(ods) == MSG_ODS
    assert rejection(docx) == MSG_DOCX
    assert rejection(plain) == MSG_ZIP


def test_old_xls_workbook():
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
    assert rejection(ole_header + b"\x00" * 482) == MSG_XLS


def test_binary_file():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    assert rejection(png) == MSG_BINARY


def test_text_without_three_fields():
    letter = "Hej!\n\nHär kommer listan på de anställda som ska träna.\nMvh Lisa\n"
    assert rejection(letter.encode("cp1252")) == MSG_NO_ROWS


def test_200_mb_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "stor.csv"
    with open(path, "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: no disk, no time
    opened = []
    monkeypatch.setattr("app.domain.csv_file.open", lambda *a, **k: opened.append(a),
                        raising=False)
    with pytest.raises(ValidationError) as info:
        read_preorder_file(path, today=TODAY)
    assert info.value.message == "Filen är för stor (200 MB). Största tillåtna storlek är 20 MB."
    assert opened == []


def test_size_limit_is_a_parameter(tmp_path):
    path = tmp_path / "lista.csv"
    path.write_bytes(b"Ada Ek;19850709-9805;ada@example.se\n" * 100)  # 3 600 bytes
    with pytest.raises(ValidationError) as info:
        read_preorder_file(path, today=TODAY, max_bytes=1536)
    assert info.value.message == "Filen är för stor (3,5 kB). Största tillåtna storlek är 1,5 kB."
    assert len(read_preorder_file(path, today=TODAY, max_bytes=3600).rows) == 100


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ValidationError, match="Filen saknas.csv finns inte."):
        read_preorder_file(tmp_path / "saknas.csv", today=TODAY)
    with pytest.raises(ValidationError, match="är en mapp, inte en fil"):
        read_preorder_file(tmp_path, today=TODAY)


# --- encodings -----------------------------------------------------------------------------


def test_excel_unicode_text_is_utf16_with_tabs():
    text = "Namn\tPersonnummer\tE-post\r\nĐorđe Ek\t19850709-9805\tdorde@example.se\r\n"
    preview = parse_preorder_csv(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), TODAY)
    assert (preview.encoding, preview.delimiter, preview.header_skipped) == ("utf-16", "\t", True)
    assert preview.delimiter_label == "tabb"
    assert [(r.line_no, r.name, r.personnummer) for r in preview.rows] == [
        (2, "Đorđe Ek", "198507099805")]


def test_utf16_big_endian_bom():
    text = "Åsa Ek;19850709-9805;asa@example.se\n"
    preview = parse_preorder_csv(codecs.BOM_UTF16_BE + text.encode("utf-16-be"), TODAY)
    assert preview.encoding == "utf-16" and preview.rows[0].name == "Åsa Ek"


def test_utf8_bom_with_broken_bytes_is_refused():
    message = rejection(codecs.BOM_UTF8 + b"\xc5sa Ek;19850709-9805;asa@example.se\n")
    assert message == ("Filen är märkt som UTF-8 med BOM men innehåller tecken som inte går att "
                       "läsa. Spara den som CSV igen.")


def test_utf8_without_bom_is_detected_not_assumed_from_extension():
    utf8 = parse("Åsa Öberg;19850709-9805;asa@example.se\n", "utf-8")
    cp1252 = parse("Åsa Öberg;19850709-9805;asa@example.se\n", "cp1252")
    assert (utf8.encoding, utf8.rows[0].name) == ("utf-8", "Åsa Öberg")
    assert (cp1252.encoding, cp1252.rows[0].name) == ("cp1252", "Åsa Öberg")


def test_ascii_only_file():
    preview = parse("Ada Ek;19850709-9805;ada@example.se\n", "ascii")
    assert (preview.encoding, preview.encoding_label) == ("ascii", "ASCII")


def test_windows_1252_not_latin1_for_bytes_0x80_to_0x9f():
    # 0x8A is 'Š' and 0x9A is 'š' in Windows-1252 but C1 controls in Latin-1
    preview = parse_preorder_csv(b"\x8aimon \x9aubert;19850709-9805;simon@example.se\n", TODAY)
    assert (preview.encoding, preview.rows[0].name) == ("cp1252", "Šimon šubert")


def test_bytes_undefined_in_windows_1252_fall_back_to_latin1():
    preview = parse_preorder_csv(b"Ada \xd6k\x81;19850709-9805;ada@example.se\n", TODAY)
    assert (preview.encoding, preview.encoding_label) == ("latin-1", "Latin-1 (ISO 8859-1)")
    assert preview.rows[0].name == "Ada Ök\x81"


def test_decomposed_unicode_from_macos_is_normalized():
    nfd = unicodedata.normalize("NFD", "Åsa Öberg")
    assert len(nfd) == 11
    preview = parse(f"{nfd};19850709-9805;asa@example.se\n")
    assert preview.rows[0].name == "Åsa Öberg" and len(preview.rows[0].name) == 9


# --- delimiter, quoting, header, line numbers -----------------------------------------------


def test_comma_inside_unquoted_name_does_not_fool_the_sniffer():
    preview = parse("Svensson, Karl;19850709-9805;k@example.se\nEk, Bo;196408233234;b@example.se\n")
    assert preview.delimiter == ";"
    assert [r.name for r in preview.valid_rows] == ["Svensson, Karl", "Ek, Bo"]


def test_quoted_field_with_embedded_separator_and_quotes():
    preview = parse('"Ek; ""Bo""";19850709-9805;"bo@example.se"\n')
    assert preview.delimiter == ";"
    assert (preview.rows[0].name, preview.rows[0].email) == ('Ek; "Bo"', "bo@example.se")


def test_space_before_quote_is_tolerated():
    preview = parse('Ada Ek, "19850709-9805", "ada@example.se"\n"Ek, Bo", 196408233234, b@example.se\n')
    assert preview.delimiter == ","
    assert [(r.name, r.personnummer, r.email) for r in preview.rows] == [
        ("Ada Ek", "198507099805", "ada@example.se"),
        ("Ek, Bo", "196408233234", "b@example.se")]


def test_excel_sep_directive_line():
    preview = parse("sep=,\r\nEk; Bo,19850709-9805,bo@example.se\r\n")
    assert (preview.delimiter, preview.header_skipped) == (",", False)
    assert [(r.line_no, r.name) for r in preview.rows] == [(2, "Ek; Bo")]


@pytest.mark.parametrize("header", [
    "Name,Date of birth,Email",
    "name,ssn,e-mail",
    "NAMN,FÖDELSEDATUM,E-POSTADRESS",
    "Namn,Personnummer/födelsedatum,Mail",
    "Namn,Födelsedatum,",
])
def test_header_rows_in_swedish_and_english(header):
    preview = parse(f"{header}\nAda Ek,1985-07-09,ada@example.se\n")
    assert preview.header_skipped
    assert [r.line_no for r in preview.rows] == [2]


def test_first_data_row_is_not_mistaken_for_a_header():
    preview = parse("Namn Namnsson,19850709-9805,namn@example.se\n")
    assert not preview.header_skipped and preview.rows[0].ok


def test_old_mac_cr_line_endings():
    preview = parse("Ada Ek;19850709-9805;ada@example.se\r\rBo Ek;196408233234;bo@example.se\r")
    assert [(r.line_no, r.name) for r in preview.rows] == [(1, "Ada Ek"), (3, "Bo Ek")]


def test_unterminated_quote_at_end_swallows_the_rest_and_says_so():
    preview = parse('Ada Ek;19850709-9805;ada@example.se\n"Bo Ek;196408233234;bo@example.se\n'
                    "Cecilia Ek;8507099813;c@example.se\n")
    assert [(r.line_no, r.errors) for r in preview.rows] == [(1, []), (2, [ERR_LINE_BREAK])]


def test_unterminated_quote_over_a_huge_field_is_refused_with_line_number():
    text = "Ada Ek;19850709-9805;ada@example.se\n" + '"Bo' + "x" * 200_000 + "\n"
    assert rejection(text.encode()) == (
        'Filen kan inte läsas från rad 2: ett citattecken (") avslutas aldrig, så resten av '
        "filen blir en enda cell. Rätta raden och försök igen.")


# --- identity column -----------------------------------------------------------------------


@pytest.mark.parametrize("text, pnr, born", [
    ("198507099805", "198507099805", date(1985, 7, 9)),
    ("19850709-9805", "198507099805", date(1985, 7, 9)),
    ("8507099805", "198507099805", date(1985, 7, 9)),
    ("850709-9805", "198507099805", date(1985, 7, 9)),
    ("850709 9805", "198507099805", date(1985, 7, 9)),
    ("850709\u00a09805", "198507099805", date(1985, 7, 9)),  # Excel's thin/non-breaking space
    ("230412+4171", "192304124171", date(1923, 4, 12)),
    ("1985-07-09", None, date(1985, 7, 9)),
    ("19850709", None, date(1985, 7, 9)),
    ("850709", None, date(1985, 7, 9)),
    ("000229", None, date(2000, 2, 29)),
    ("250314", None, date(2025, 3, 14)),   # today
    ("250315", None, date(1925, 3, 15)),   # tomorrow a century ago
    ("1985-7-9", None, date(1985, 7, 9)),
    ("８５０７０９-９８０５", "198507099805", date(1985, 7, 9)),  # full-width digits
])
def test_identity_formats(text, pnr, born):
    row = parse(f"Ada Ek;{text};ada@example.se\n").rows[0]
    assert (row.personnummer, row.birth_date, row.errors) == (pnr, born, [])


@pytest.mark.parametrize("text, error", [
    ("2025-03-15", "Födelsedatumet ligger i framtiden"),
    ("20250315", "Födelsedatumet ligger i framtiden"),
    ("19850230", BAD_DATE),
    ("850230", BAD_DATE),
    ("1,98507E+11", ERR_ID_EXPONENT),
    ("1.98507E+11", ERR_ID_EXPONENT),
    ("98507099805", ERR_ID_FORMAT),   # 11 digits
    ("1985070998051", ERR_ID_FORMAT),  # 13 digits
    ("8507", ERR_ID_FORMAT),
    ("09/07/1985", ERR_ID_FORMAT),
])
def test_identity_errors(text, error):
    row = parse(f"Ada Ek;{text};ada@example.se\n").rows[0]
    assert (row.personnummer, row.birth_date, row.errors) == (None, None, [error])


# --- e-mail and name -----------------------------------------------------------------------


@pytest.mark.parametrize("email, expected", [
    ("ada@example.se", "ada@example.se"),
    ("Ada.Ek@Example.SE", "Ada.Ek@example.se"),
    ("ada+gym@sub.example.co.uk", "ada+gym@sub.example.co.uk"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("åsa@företag.se", "åsa@företag.se"),
    ("ada@xn--fretag-1xa.se", "ada@xn--fretag-1xa.se"),
    ("ada@example.xn--p1ai", "ada@example.xn--p1ai"),
    ("  ada@example.se  ", "ada@example.se"),
])
def test_valid_email(email, expected):
    row = parse(f"Ada Ek;19850709-9805;{email}\n").rows[0]
    assert (row.email, row.errors) == (expected, [])


@pytest.mark.parametrize("email", [
    "ada", "ada@", "@example.se", "ada@example", "ada@@example.se", "ada ek@example.se",
    "ada@example.s", "ada@-example.se", "ada@example-.se", "ada@exa_mple.se", ".ada@example.se",
    "ada.@example.se", "ada..ek@example.se", "ada@example..se", "ada@example.se.",
    "ada@example.123", "ada@example.se,bo@example.se", "a" * 250 + "@example.se",
])
def test_invalid_email(email):
    row = parse(f'Ada Ek;19850709-9805;"{email}"\n').rows[0]
    assert (row.email, row.errors) == (None, [BAD_EMAIL])


def test_name_whitespace_is_collapsed_and_kept_as_given():
    row = parse("  Karl \u00a0 Svensson\t ;19850709-9805;k@example.se\n").rows[0]
    assert row.name == "Karl Svensson"


# --- duplicates and existing open pre-orders ------------------------------------------------


def test_duplicate_is_reported_against_the_first_valid_row():
    preview = parse("Ada Ek;19850709-9805;ada@example.se\n"
                    "Ada Ek;8507099805;inte-epost\n"       # invalid for its own reason
                    "Ada Ek;850709-9805;ada2@example.se\n"
                    "Ada Ek;198507099805;ada3@example.se\n")
    assert [(r.line_no, r.errors) for r in preview.rows] == [
        (1, []), (2, [BAD_EMAIL]),
        (3, ["Samma person finns redan på rad 1"]), (4, ["Samma person finns redan på rad 1"])]


def test_an_invalid_first_row_does_not_block_the_valid_one():
    preview = parse("Ada Ek;19850709-9805;inte-epost\nAda Ek;19850709-9805;ada@example.se\n")
    assert [(r.line_no, r.ok) for r in preview.rows] == [(1, False), (2, True)]


def test_birth_date_row_then_personnummer_row_of_same_name():
    preview = parse("Ada Ek;19850709-9805;ada@example.se\nada ek;1985-07-09;ada2@example.se\n"
                    "Bo Ek;1985-07-09;bo@example.se\n")
    assert [(r.line_no, r.errors) for r in preview.rows] == [
        (1, []), (2, ["Samma person finns redan på rad 1"]), (3, [])]


def test_row_key():
    preview = parse("Ada Ek;19850709-9805;ada@example.se\nBo  ÖK;1985-07-09;bo@example.se\n")
    assert [row_key(r) for r in preview.rows] == ["198507099805", "birth:1985-07-09:bo ök"]


def test_person_keys():
    assert person_keys("198507099805", date(1985, 7, 9), "Ada Ek") == frozenset(
        {"198507099805", "pnr-birth:1985-07-09:ada ek"})
    assert person_keys(None, date(1985, 7, 9), " Ada  EK ") == frozenset({"birth:1985-07-09:ada ek"})


def test_apply_existing_open_pre_orders():
    preview = parse("Ada Ek;19850709-9805;ada@example.se\n"       # existing by personnummer
                    "Bo Ek;1964-08-23;bo@example.se\n"              # existing by birth date + name
                    "Cilla Ek;1977-04-12;cilla@example.se\n"        # existing has her personnummer
                    "Dan Ek;19881224-5556;dan@example.se\n"         # existing has only birth date
                    "Eva Ek;19660101-9117;eva@example.se\n"         # no pre-order
                    "Fia Ek;1966-01-01;fia@example.se\n"            # other name, same birth date
                    "Gun Ek;8507099813;inte-epost\n")               # already invalid, and existing
    existing = set().union(
        person_keys("198507099805", date(1985, 7, 9), "Ada Ek"),
        person_keys(None, date(1964, 8, 23), "bo ek"),
        person_keys("197704128011", date(1977, 4, 12), "Cilla Ek"),
        person_keys(None, date(1988, 12, 24), "Dan Ek"),
        person_keys("199999999999", date(1966, 1, 1), "Eva Ek"),
        {"198507099813"},  # a plain personnummer works too
    )
    marked = apply_existing_open(preview, existing)
    assert [(r.line_no, r.errors) for r in marked.rows] == [
        (1, [ALREADY_OPEN]), (2, [ALREADY_OPEN]), (3, [ALREADY_OPEN]), (4, [ALREADY_OPEN]),
        (5, []), (6, []), (7, [BAD_EMAIL, ALREADY_OPEN])]
    assert [r.line_no for r in marked.valid_rows] == [5, 6]
    assert all(r.ok for r in preview.rows[:6])  # the input preview is not changed
    again = apply_existing_open(marked, existing)
    assert again.rows[0].errors == [ALREADY_OPEN]
    assert (marked.encoding, marked.delimiter, marked.header_skipped) == ("ascii", ";", False)


def test_preview_row_ok():
    assert PreviewRow(1, [], "Ada", None, date(1985, 7, 9), "a@example.se").ok
    assert not PreviewRow(1, [], "", None, None, None, ["Namn saknas"]).ok


# --- size (timing is measured in benchmarks/, not asserted here) -----------------------------


def test_ten_thousand_rows_all_parse():
    start_day = date(1950, 1, 1)
    lines = ["Namn;Personnummer;E-post"]
    for i in range(10_000):
        born = start_day + timedelta(days=i * 2)
        pnr = luhn_pnr(born.strftime("%y%m%d") + f"{i % 999 + 1:03d}")  # serial 000 does not exist
        lines.append(f"Åsa Öberg;{born.year // 100}{pnr[:6]}-{pnr[6:]};asa.{i}@exempel.se")
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")

    preview = parse_preorder_csv(data, TODAY)

    assert len(preview.valid_rows) == 10_000 and preview.invalid_rows == []


# --- reading the file ----------------------------------------------------------------------


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "lista.csv"
    path.write_bytes(b"Ada Ek;19850709-9805;ada@example.se\n")

    def locked(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("app.domain.csv_file.open", locked, raising=False)
    with pytest.raises(ValidationError) as info:
        read_preorder_file(path, today=TODAY)
    assert info.value.message == ("Filen lista.csv kan inte läsas (behörighet saknas eller filen "
                                  "är öppen i ett annat program).")


def test_file_that_grows_after_the_size_check(tmp_path, monkeypatch):
    path = tmp_path / "lista.csv"
    path.write_bytes(b"Ada Ek;19850709-9805;ada@example.se\n")
    monkeypatch.setattr("app.domain.csv_file.open",
                        lambda *a, **k: io.BytesIO(b"x" * 5000), raising=False)
    with pytest.raises(ValidationError) as info:
        read_preorder_file(path, today=TODAY, max_bytes=1024)
    assert info.value.message == "Filen är för stor. Största tillåtna storlek är 1 kB."


def test_utf16_bom_with_truncated_data_is_refused():
    assert rejection(codecs.BOM_UTF16_LE + "Ada".encode("utf-16-le") + b"\x00\xd8") == (
        "Filen är märkt som UTF-16 (Unicode-text) men innehåller tecken som inte går att läsa. "
        "Spara den som CSV igen.")


def test_nul_character_behind_a_bom_is_binary():
    text = "Ada Ek;19850709-9805;ada@example.se\n\x00\x00\x00\n"
    assert rejection(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == MSG_BINARY
    assert rejection(codecs.BOM_UTF8 + text.encode("utf-8")) == MSG_BINARY


@pytest.mark.parametrize("text", ["٨٥٠٧٠٩-٩٨٠٥", "８５０７０９－９８０５", "८५०७०९-९८०५", "850709-9805"])
def test_unicode_digits_give_the_one_ascii_personnummer(text):
    """Arabic-Indic, full-width and Devanagari digits are the same key as ASCII (app.domain.inputs)."""
    row = parse(f"Ada Ek;{text};ada@example.se\n").rows[0]
    assert (row.personnummer, row.errors) == ("198507099805", [])


@pytest.mark.parametrize("name, error", [("\u200b", "Texten innehåller osynliga tecken"),
                                         ("Ada\x1bEk", "Texten innehåller osynliga tecken"),
                                         ("...", "Namnet måste innehålla minst en bokstav"),
                                         ("A" * 201, "Namnet får vara högst 200 tecken")])
def test_bad_names_are_refused(name, error):
    row = parse(f"{name};850709-9805;ada@example.se\n").rows[0]
    assert len(row.errors) == 1 and row.errors[0].startswith(error)


@pytest.mark.parametrize("email", ["a..b@example.com", "a@-x.se", "a@[1.2.3.4].se", "a@[1.2.3.4]"])
def test_email_rule_is_the_apps_one(email):
    from app.domain.text import is_email

    row = parse(f"Ada Ek;850709-9805;{email}\n").rows[0]
    assert row.errors == ["E-postadressen är ogiltig"] and not is_email(email)
