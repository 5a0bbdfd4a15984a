"""CER/WER maths against hand-computed cases, normalisation, line pairing, reports, CLI."""

from __future__ import annotations

import json
import unicodedata

import pytest
from PIL import Image

from digitizer.cli.main import main
from digitizer.htr.evaluate import (RAW, Normalization, PageInput, align, cer, distance, evaluate,
                                    historical_normalize, normalization_from_options, pair_lines, read_lines,
                                    score_page, wer)


def test_kitten_sitting_by_hand():
    # k->s, e->i, +g: 3 edits over the 6 reference characters of "kitten"
    assert distance("kitten", "sitting") == 3
    assert cer("kitten", "sitting") == pytest.approx(3 / 6)
    # the other way round the reference has 7 characters
    assert cer("sitting", "kitten") == pytest.approx(3 / 7)
    ops = [op for op, _, _ in align("kitten", "sitting")]
    assert ops.count("sub") == 2 and ops.count("ins") == 1 and ops.count("match") == 4


def test_wer_by_hand():
    # ref 3 words, hyp: 1 substitution (b->x) + 1 insertion (d)
    assert wer("a b c", "a x c d") == pytest.approx(2 / 3)
    assert wer("le chat noir", "le chat noir") == 0.0
    assert wer("le chat", "") == 1.0


def test_empty_references():
    assert cer("", "") == 0.0
    assert cer("", "abc") == 3.0          # rate over a length-1 denominator: every char is an insertion
    assert cer("abc", "") == 1.0
    scores = score_page(["", "abc"], ["abc"])   # blank GT lines are dropped before pairing
    assert len(scores) == 1 and scores[0].counts.char_errors == 0


def test_unicode_nfc_vs_nfd():
    ref = unicodedata.normalize("NFC", "café")
    hyp = unicodedata.normalize("NFD", "café")     # e + U+0301
    assert ref != hyp
    assert cer(ref, hyp) == pytest.approx(2 / 4)     # é -> e (sub) + inserted combining accent
    nfc = Normalization("nfc", form="NFC")
    assert cer(nfc(ref), nfc(hyp)) == 0.0


def test_nfkc_casefold_punct_and_historical():
    n = normalization_from_options("nfkc", casefold=True, no_punct=True)
    assert n.name == "NFKC+casefold+nopunct"
    assert n("ﬁn, Fin !") == "fin fin"                # ligature fi (NFKC), case, punctuation
    assert historical_normalize("Monatsſchrift uͤber Koͤnig") == "Monatsschrift über König"
    h = normalization_from_options(historical=True)
    assert cer(h("ſchoͤn"), h("schön")) == 0.0
    assert cer("ſchoͤn", "schön") > 0


def test_line_pairing_when_counts_differ():
    refs = ["premiere ligne", "deuxieme ligne", "troisieme ligne"]
    hyps = ["premiere ligne", "troisieme ligne"]
    assert pair_lines(refs, hyps) == [(0, 0), (1, -1), (2, 1)]
    scores = score_page(refs, hyps)
    assert sum(s.counts.char_errors for s in scores) == len("deuxieme ligne")
    # an extra hypothesis line is an insertion against an empty reference
    scores = score_page(refs[:1], ["premiere ligne", "bruit"])
    assert sum(s.counts.char_errors for s in scores) == 5


def test_micro_average_and_groups():
    pages = [PageInput("p1", ["abcd"], ["abcx"], item="i1", category="hand"),      # 1/4
             PageInput("p2", ["ab", "cdef"], ["ab", "cdef"], item="i1", category="hand"),   # 0/6
             PageInput("p3", ["xy"], ["zz"], item="i2", category="print")]          # 2/2
    res = evaluate(pages, [RAW, Normalization("nfc", form="NFC")])
    assert res.totals["raw"].char_errors == 3 and res.totals["raw"].ref_chars == 12
    assert res.totals["raw"].cer == pytest.approx(3 / 12)          # micro, not mean of page CERs
    assert res.by_item["raw"]["i1"].cer == pytest.approx(1 / 10)
    assert res.by_category["raw"]["print"].cer == pytest.approx(1.0)
    top = res.top_confusions("raw", 5)
    assert ("y", "z", 1) in top and ("x", "z", 1) in top and ("d", "x", 1) in top
    d = res.to_dict()
    assert d["totals"]["nfc"]["cer"] == pytest.approx(0.25)
    assert len(d["pages"]) == 6


def test_read_ground_truth_alto_and_text(test_data):
    base = test_data / "testaments-de-poilus" / "TestamentsDePoilus_will_AN_0154-0"
    xml_lines = read_lines(base.with_suffix(".xml"))
    txt_lines = read_lines(base.with_suffix(".gt.txt"))
    assert len(xml_lines) == 20 and xml_lines == txt_lines
    kant_page = read_lines(test_data / "ocrd-assets-kant" / "PAGE_0017_PAGE.xml")
    assert "Berliniſche Monatsſchrift." in kant_page[0]


def test_cli_evaluate_writes_report(tmp_path, test_data, capsys):
    gt = test_data / "testaments-de-poilus" / "TestamentsDePoilus_will_AN_0154-0.xml"
    lines = read_lines(gt)
    hyp = tmp_path / "TestamentsDePoilus_will_AN_0154-0.txt"
    hyp.write_text("\n".join([lines[0].upper()] + lines[1:]) + "\n", encoding="utf-8")
    rc = main(["evaluate", "--gt", str(gt), "--hyp", str(hyp), "--normalize", "nfkc", "--casefold",
               "--report", str(tmp_path / "rep"), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    upper_errors = sum(1 for a, b in zip(lines[0], lines[0].upper()) if a != b)
    assert out["totals"]["raw"]["char_errors"] == upper_errors > 0
    assert out["totals"]["NFKC+casefold"]["char_errors"] == 0
    md = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert "| raw |" in md and "confusions" in md
    with Image.open(tmp_path / "rep" / "cer_by_page.png") as im:
        assert im.width > 100 and im.height > 40


def test_equal_line_counts_are_aligned_not_paired_by_index():
    # the page number was read last: pairing by index would compare every line with its neighbour
    refs = ["12", "Je soussigné Louis Martin", "lègue à ma femme", "tous mes biens"]
    hyps = refs[1:] + ["12"]
    pairs = pair_lines(refs, hyps)
    assert (1, 0) in pairs and (2, 1) in pairs and (3, 2) in pairs
    scores = score_page(refs, hyps)
    assert sum(s.counts.char_errors for s in scores) == 2 * len("12")     # one deletion + one insertion
    res = evaluate([PageInput("p", refs, hyps)])
    assert res.reading_order["raw"].char_errors > 0                       # the order error shows at page level
    assert res.totals["raw"].cer < 0.1


def test_lines_in_a_different_order_are_paired_by_position(tmp_path, dev_corpus, capsys):
    from lxml import etree

    gt = dev_corpus / "testaments-de-poilus" / "TestamentsDePoilus_will_AN_0154-0.xml"
    tree = etree.parse(str(gt), etree.XMLParser(resolve_entities=False, no_network=True))
    lines = [el for el in tree.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "TextLine"]
    block = lines[0].getparent()
    for el in lines:
        el.getparent().remove(el)
    for el in reversed(lines):                       # same lines and boxes, reversed reading order
        block.append(el)
    hyp = tmp_path / "TestamentsDePoilus_will_AN_0154-0.xml"
    tree.write(str(hyp), encoding="utf-8", xml_declaration=True)
    assert read_lines(hyp) == list(reversed(read_lines(gt)))
    rc = main(["evaluate", "--gt", str(gt), "--hyp", str(hyp), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["totals"]["raw"]["char_errors"] == 0                   # every line found at its position
    assert out["reading_order"]["raw"]["cer"] > 0.5                  # but the page reads backwards
    # as plain text (no boxes) the lines are aligned as sequences: most of them cannot pair
    txt = tmp_path / "TestamentsDePoilus_will_AN_0154-0.txt"
    txt.write_text("\n".join(read_lines(hyp)) + "\n", encoding="utf-8")
    main(["evaluate", "--gt", str(gt), "--hyp", str(txt), "--json"])
    assert json.loads(capsys.readouterr().out)["totals"]["raw"]["cer"] > 0.5


def test_cli_evaluate_against_a_baseline_says_whether_the_difference_is_more_than_chance(tmp_path, test_data,
                                                                                       capsys):
    """Two recognitions of the same page (two models, two engines) against one ground truth."""
    gt = test_data / "testaments-de-poilus" / "TestamentsDePoilus_will_AN_0154-0.xml"
    lines = read_lines(gt)
    assert len(lines) >= 20 and min(len(ln) for ln in lines) >= 3
    (tmp_path / "new").mkdir()
    (tmp_path / "old").mkdir()
    new = tmp_path / "new" / "TestamentsDePoilus_will_AN_0154-0.txt"
    old = tmp_path / "old" / "TestamentsDePoilus_will_AN_0154-0.txt"
    new.write_text("\n".join("#" + ln[1:] for ln in lines) + "\n", encoding="utf-8")        # 1 error a line
    old.write_text("\n".join("###" + ln[3:] for ln in lines) + "\n", encoding="utf-8")      # 3 errors a line
    rc = main(["evaluate", "--gt", str(gt), "--hyp", str(new), "--baseline", str(old), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    chars = sum(len(ln) for ln in lines)
    by_line, by_page = out["vs_baseline"]["raw"]["line"], out["vs_baseline"]["raw"]["page"]
    assert out["totals"]["raw"]["char_errors"] == len(lines)
    assert (by_line["units"], by_line["chars"]) == (len(lines), chars)
    assert by_line["cer_a"] == pytest.approx(3 * len(lines) / chars)
    assert by_line["diff"] == pytest.approx(-2 * len(lines) / chars)
    assert by_line["low"] < by_line["diff"] < by_line["high"] < 0 and by_line["verdict"] == "better"
    assert by_page["units"] == 1 and by_page["low"] is None          # one page: no interval over pages
    # swapped: the same difference the other way
    main(["evaluate", "--gt", str(gt), "--hyp", str(old), "--baseline", str(new), "--json"])
    back = json.loads(capsys.readouterr().out)["vs_baseline"]["raw"]["line"]
    assert back["diff"] == pytest.approx(-by_line["diff"]) and back["verdict"] == "worse"
    # in words
    assert main(["evaluate", "--gt", str(gt), "--hyp", str(new), "--baseline", str(old)]) == 0
    text = capsys.readouterr().out
    assert f"minus the baseline (CER {3 * len(lines) / chars:.2%})" in text
    assert f"{by_line['diff'] * 100:+.2f} points per line (95% interval" in text and ": better" in text
    assert "per page (too few pages for an interval)" in text
