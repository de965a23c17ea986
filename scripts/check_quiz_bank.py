"""Check a demo quiz bank (JSON) against the bank's rules and print a summary.

usage: python scripts/check_quiz_bank.py [PATH] [--tolerance 0.08]

PATH defaults to sciweek/quiz/demo/questions_2020.json. Exit status: 0 when every rule holds,
1 when any rule is broken (each problem is printed), 2 when the file cannot be read as JSON.

Rules checked:
- top level: {"source": "...", "questions": [...]}, nothing else;
- every question has exactly key, area, kind, difficulty, audience, stem, options, explanation;
- keys unique and shaped <prefix>-NNN, one prefix per area; stems unique (ignoring spaces and
  punctuation); area, kind, difficulty (1-3) and audience tags from the allowed sets;
- single choice: 4 options, exactly one correct; multiple choice: 4 or 5 options, at least 2
  correct and not all; true/false: exactly [正确, 错误], one correct;
- option texts unique within a question, no catch-all options (以上都对, 都不对, ...), which
  make no sense once options are shuffled;
- texts fit the quiz app's columns (stem 500, option 200, explanation 1000 characters), stems and
  explanations are Chinese, choice stems end with ？, explanations are one to three sentences;
- at least 220 questions; per area at least its minimum; per area the share of each kind within
  the tolerance of 35/40/25 % (true/false, single, multiple) and of each difficulty within the
  tolerance of 40/40/20 % (1, 2, 3).
"""
import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "sciweek" / "quiz" / "demo" / "questions_2020.json"
SOURCE = "written for the SciWeek demo, 2026"
AREAS = {  # area -> (key prefix, minimum number of questions)
    "展示科技战疫成效": ("epi", 60),
    "展示科技创新成就": ("inn", 55),
    "体验美好生活": ("life", 55),
    "科技助力脱贫攻坚": ("rural", 50),
}
MIN_TOTAL = 220
KINDS = ("true_false", "single", "multiple")
KIND_SHARE = {"true_false": 0.35, "single": 0.40, "multiple": 0.25}
DIFFICULTY_SHARE = {1: 0.40, 2: 0.40, 3: 0.20}
AUDIENCES = ("primary", "secondary", "public")
QUESTION_FIELDS = {"key", "area", "kind", "difficulty", "audience", "stem", "options", "explanation"}
OPTION_FIELDS = {"text", "correct"}
TRUE_FALSE_TEXTS = ["正确", "错误"]
MAX_STEM, MAX_OPTION, MAX_EXPLANATION = 500, 200, 1000
CATCH_ALL = re.compile(r"以上.{0,4}(都|均|全)|上述.{0,4}(都|均|全)|(都|均|全部)(对|不对|正确|错误|不正确|不是)$|都不是")
CJK = re.compile(r"[\u4e00-\u9fff]")
KEY = re.compile(r"^([a-z]+)-(\d{3})$")


def normalized(text: str) -> str:
    """The stem as compared for duplicates: NFKC, no spaces, no punctuation, lower case."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch).startswith("P"))).lower()


def sentences(text: str) -> int:
    return len([part for part in re.split(r"[。！？!?]", text) if part.strip()])


def check_options(where: str, kind: str, options, problems: list[str]) -> None:
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        problems.append(f"{where}: options must be a list of objects")
        return
    for number, option in enumerate(options, 1):
        if set(option) != OPTION_FIELDS:
            problems.append(f"{where}: option {number} must have exactly text and correct, has {sorted(option)}")
        if not isinstance(option.get("text"), str) or not option.get("text", "").strip():
            problems.append(f"{where}: option {number} has no text")
        elif len(option["text"]) > MAX_OPTION:
            problems.append(f"{where}: option {number} is longer than {MAX_OPTION} characters")
        elif CATCH_ALL.search(option["text"]):
            problems.append(f"{where}: option {number} is a catch-all ({option['text']!r})")
        if not isinstance(option.get("correct"), bool):
            problems.append(f"{where}: option {number} correct must be true or false")
    texts = [o.get("text") for o in options]
    if len(set(map(str, texts))) != len(texts):
        problems.append(f"{where}: two options have the same text")
    correct = sum(1 for o in options if o.get("correct") is True)
    if kind == "single":
        if len(options) != 4:
            problems.append(f"{where}: single choice needs 4 options, has {len(options)}")
        if correct != 1:
            problems.append(f"{where}: single choice needs exactly 1 correct option, has {correct}")
    elif kind == "multiple":
        if len(options) not in (4, 5):
            problems.append(f"{where}: multiple choice needs 4 or 5 options, has {len(options)}")
        if correct < 2 or correct == len(options):
            problems.append(f"{where}: multiple choice needs at least 2 correct options and not all, "
                            f"has {correct} of {len(options)}")
    elif kind == "true_false":
        if texts != TRUE_FALSE_TEXTS:
            problems.append(f"{where}: true/false options must be exactly {TRUE_FALSE_TEXTS}, are {texts}")
        if correct != 1:
            problems.append(f"{where}: true/false needs exactly 1 correct option, has {correct}")


def check_question(index: int, question, problems: list[str]) -> None:
    where = f"question #{index}"
    if not isinstance(question, dict):
        problems.append(f"{where}: not an object")
        return
    where = f"{question.get('key', where)}"
    if set(question) != QUESTION_FIELDS:
        missing, extra = QUESTION_FIELDS - set(question), set(question) - QUESTION_FIELDS
        problems.append(f"{where}: fields wrong (missing {sorted(missing)}, unexpected {sorted(extra)})")
    area, kind, difficulty = question.get("area"), question.get("kind"), question.get("difficulty")
    key = question.get("key")
    match = KEY.match(key) if isinstance(key, str) else None
    if not match:
        problems.append(f"{where}: key must look like epi-001")
    if area not in AREAS:
        problems.append(f"{where}: unknown area {area!r}")
    elif match and match.group(1) != AREAS[area][0]:
        problems.append(f"{where}: key prefix should be {AREAS[area][0]!r} for area {area}")
    if kind not in KINDS:
        problems.append(f"{where}: unknown kind {kind!r}")
    if type(difficulty) is not int or difficulty not in DIFFICULTY_SHARE:
        problems.append(f"{where}: difficulty must be 1, 2 or 3, is {difficulty!r}")
    audience = question.get("audience")
    if (not isinstance(audience, list) or not audience or len(set(map(str, audience))) != len(audience)
            or any(tag not in AUDIENCES for tag in audience)):
        problems.append(f"{where}: audience must be a non-empty list of distinct tags from {AUDIENCES}, "
                        f"is {audience!r}")
    stem = question.get("stem")
    if not isinstance(stem, str) or not stem.strip():
        problems.append(f"{where}: empty stem")
    else:
        if len(stem) > MAX_STEM:
            problems.append(f"{where}: stem is longer than {MAX_STEM} characters")
        if not CJK.search(stem):
            problems.append(f"{where}: stem is not in Chinese")
        if stem != stem.strip():
            problems.append(f"{where}: stem has leading or trailing spaces")
        if kind in ("single", "multiple") and not stem.endswith("？"):
            problems.append(f"{where}: a choice stem should end with a full-width question mark")
        if kind == "true_false" and not stem.endswith(("。", "？")):
            problems.append(f"{where}: a true/false stem should end with 。 or ？")
    explanation = question.get("explanation")
    if not isinstance(explanation, str) or not explanation.strip():
        problems.append(f"{where}: empty explanation")
    else:
        if len(explanation) > MAX_EXPLANATION:
            problems.append(f"{where}: explanation is longer than {MAX_EXPLANATION} characters")
        if not CJK.search(explanation):
            problems.append(f"{where}: explanation is not in Chinese")
        if not 1 <= sentences(explanation) <= 3:
            problems.append(f"{where}: explanation should be one to three sentences, has {sentences(explanation)}")
    if kind in KINDS:
        check_options(where, kind, question.get("options"), problems)


def share_problems(area: str, label: str, counts: Counter, total: int, targets: dict, tolerance: float) -> list[str]:
    found = []
    for value, target in targets.items():
        share = counts.get(value, 0) / total if total else 0
        if abs(share - target) > tolerance:
            found.append(f"{area}: {label} {value} is {share:.0%} of the area, target {target:.0%} "
                         f"± {tolerance:.0%}")
    return found


def check(doc, tolerance: float) -> tuple[list[str], list[str]]:
    """(problems, summary lines)."""
    problems: list[str] = []
    if not isinstance(doc, dict) or set(doc) != {"source", "questions"}:
        return ["top level must be an object with exactly source and questions"], []
    if doc["source"] != SOURCE:
        problems.append(f"source should be {SOURCE!r}, is {doc['source']!r}")
    questions = doc["questions"]
    if not isinstance(questions, list):
        return problems + ["questions must be a list"], []
    for index, question in enumerate(questions, 1):
        check_question(index, question, problems)
    questions = [q for q in questions if isinstance(q, dict)]

    keys = Counter(q.get("key") for q in questions)
    problems += [f"key {key!r} used {n} times" for key, n in keys.items() if n > 1]
    stems: dict[str, str] = {}
    for question in questions:
        if not isinstance(question.get("stem"), str):
            continue
        norm = normalized(question["stem"])
        if norm in stems:
            problems.append(f"{question.get('key')}: same stem as {stems[norm]}")
        else:
            stems[norm] = question.get("key")

    if len(questions) < MIN_TOTAL:
        problems.append(f"{len(questions)} questions, at least {MIN_TOTAL} needed")
    summary = [f"{'area':<10}{'total':>6}  {'T/F':>4}{'single':>7}{'multi':>6}  {'d1':>4}{'d2':>4}{'d3':>4}"
               f"  {'prim':>5}{'sec':>5}{'pub':>5}  T/F answers"]
    rows = [(name, [q for q in questions if q.get("area") == name]) for name in AREAS]
    rows.append(("all", questions))
    for name, group in rows:
        total = len(group)
        kinds = Counter(q.get("kind") for q in group)
        levels = Counter(q.get("difficulty") for q in group)
        tags = Counter(t for q in group if isinstance(q.get("audience"), list) for t in q["audience"])
        tf_true = sum(1 for q in group if q.get("kind") == "true_false" and isinstance(q.get("options"), list)
                      and q["options"] and isinstance(q["options"][0], dict) and q["options"][0].get("correct") is True)
        label = AREAS[name][0] if name in AREAS else name
        summary.append(f"{label:<10}{total:>6}  {kinds['true_false']:>4}{kinds['single']:>7}{kinds['multiple']:>6}"
                       f"  {levels[1]:>4}{levels[2]:>4}{levels[3]:>4}"
                       f"  {tags['primary']:>5}{tags['secondary']:>5}{tags['public']:>5}"
                       f"  {tf_true} 正确 / {kinds['true_false'] - tf_true} 错误")
        if name in AREAS:
            minimum = AREAS[name][1]
            if total < minimum:
                problems.append(f"{name}: {total} questions, at least {minimum} needed")
            problems += share_problems(name, "kind", kinds, total, KIND_SHARE, tolerance)
            problems += share_problems(name, "difficulty", levels, total, DIFFICULTY_SHARE, tolerance)
    summary.append("(areas: " + ", ".join(f"{prefix} = {name}" for name, (prefix, _) in AREAS.items()) + ")")
    return problems, summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--tolerance", type=float, default=0.08,
                        help="allowed distance of each kind's and difficulty's share from its target (default 0.08)")
    args = parser.parse_args(argv)
    try:
        doc = json.loads(args.path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"cannot read {args.path}: {error}", file=sys.stderr)
        return 2
    problems, summary = check(doc, args.tolerance)
    print(f"{args.path}")
    print("\n".join(summary))
    if problems:
        print(f"\n{len(problems)} problem(s):")
        print("\n".join(f"- {problem}" for problem in problems))
        return 1
    print("\nOK: every rule holds.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
