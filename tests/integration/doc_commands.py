#!/usr/bin/env python3
"""Finds the shell commands shown in Markdown and plans how the docs test runs them.

    doc_commands.py list FILE.md...   every command found: FILE:LINE, its marks, the command
    doc_commands.py plan FILE.md      one line per command for tests/integration/docs_commands.sh:
                                      LINE <tab> run|skip|error <tab> command or reason <tab> command as shown
    doc_commands.py selftest          checks the finder and the rules on a built-in sample

A command is a line of a fenced code block (``` or ~~~, indented or not):
- in a block with `$ ` prompts (a console transcript, any language or none),
  the prompt lines only; what follows a prompt is output;
- otherwise in a ```sh / ```bash / ```shell / ```console block, every line
  that is not blank and not a comment;
- otherwise in a block without a language, a line whose first word is a
  known command (mpirun, build/flopwall, flopwall, launch/..., python3, ...),
  so that formulas, error messages and outputs are not mistaken for commands.
A trailing backslash continues a command on the next line. Blocks in any
other language (python, json, ini, ...) hold no shell commands.

The rules `plan` applies are documented at the top of docs_commands.sh.
Python 3 standard library only.
"""
import os
import re
import shlex
import sys

SHELL_LANGUAGES = {"sh", "bash", "shell", "console", "shell-session", "zsh"}
KNOWN_COMMANDS = {"mpirun", "mpiexec", "srun", "sbatch", "salloc", "flopwall", "build/flopwall", "python3",
                  "python", "cmake", "ctest", "bash", "h5dump", "h5ls"}
KNOWN_PREFIXES = ("launch/", "tests/", "build/", "./")
# What a `# needs: X` mark may name; anything else is a typo and fails the test.
NEEDS = {
    "gpu": "needs a GPU machine: an NVIDIA GPU, the CUDA toolkit and NCCL",
    "cluster": "needs a cluster: more ranks or memory than a 2-core test machine has",
    "slurm": "needs a SLURM cluster",
    "network": "needs network access",
    "browser": "needs a headless Chromium (the cli_html cases run it)",
}
# Commands that build or test the whole project. They cannot run inside the
# ctest run that they themselves start; the file named runs them instead, and
# the plan checks that it still does.
RUN_BY = {
    "launch/quickstart.sh": "tests/run.sh",
    "launch/build.sh": "tests/run.sh",
    "tests/run.sh": ".ci/run",
}
HEAVY_PRESETS = {"gpt3-1.3b", "llama2-7b"}
HEAVY_OVERRIDES = [("--layers", "1"), ("--seq", "128"), ("--batch", "1"), ("--iters", "2"), ("--warmup", "1")]
MAX_RANKS = 4               # more needs a `# needs: cluster` mark
RANKS_WITHOUT_OVERSUBSCRIBE = 2  # the reference machine (CI, a laptop) has 2 cores
MAX_SWEEP_BYTES = 64 << 20  # -e / --maxbytes above this needs a mark
SHELL_OPERATORS = {"|", "||", "&&", ";", "&", ">", ">>", "<", "2>", "2>&1"}
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)")
PLACEHOLDER = re.compile(r"<[A-Za-z][^<>\s]*>")
NEEDS_MARK = re.compile(r"\bneeds:\s*([\w-]+(?:\s*,\s*[\w-]+)*)")
REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


class Command:
    def __init__(self, path, line, text, comment):
        self.path, self.line, self.text, self.comment = path, line, text, comment
        mark = NEEDS_MARK.search(comment)
        self.needs = [n.strip() for n in mark.group(1).split(",")] if mark else []


def split_comment(line):
    """Splits a shell line into (command, trailing comment), minding quotes."""
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 1  # an escaped character inside double quotes
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
        i += 1
    return line.rstrip(), ""


def is_known_command(text):
    words = text.split()
    if not words:
        return False
    first = words[0]
    while re.match(r"^[A-Za-z_]\w*=", first) and len(words) > 1:  # VAR=value cmd
        words = words[1:]
        first = words[0]
    return first in KNOWN_COMMANDS or first.startswith(KNOWN_PREFIXES)


def fenced_blocks(lines):
    """Yields (language, [(line number, text)]) for each fenced block."""
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = len(m.group(1)), m.group(2), m.group(3).lower()
        body = []
        i += 1
        while i < len(lines):
            close = FENCE.match(lines[i])
            if close and close.group(2)[0] == fence[0] and len(close.group(2)) >= len(fence) and not close.group(3):
                break
            text = lines[i]
            strip = min(indent, len(text) - len(text.lstrip(" ")))
            body.append((i + 1, text[strip:]))
            i += 1
        yield lang, body
        i += 1


def join_continuations(entries):
    """Joins lines ending in a backslash with the next; keeps the first line's number."""
    out = []
    pending = None
    for number, text in entries:
        if pending:
            pending = (pending[0], pending[1][:-1].rstrip() + " " + text.lstrip().removeprefix("> "))
        else:
            pending = (number, text)
        if not pending[1].rstrip().endswith("\\"):
            out.append(pending)
            pending = None
    if pending:
        out.append(pending)
    return out


def commands_in(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    found = []
    for lang, body in fenced_blocks(lines):
        prompted = [(n, t) for n, t in body if t.startswith("$ ")]
        if prompted:
            # Only the prompt lines, plus their continuations.
            entries, keep = [], False
            for n, t in body:
                if t.startswith("$ "):
                    entries.append((n, t[2:]))
                    keep = t.rstrip().endswith("\\")
                elif keep:
                    entries.append((n, t))
                    keep = t.rstrip().endswith("\\")
            candidates, every_line = join_continuations(entries), True
        elif lang in SHELL_LANGUAGES:
            candidates, every_line = join_continuations(body), True
        elif lang == "":
            candidates, every_line = join_continuations(body), False
        else:
            continue
        for number, text in candidates:
            command, comment = split_comment(text.strip())
            if not command:
                continue
            if every_line or is_known_command(command):
                found.append(Command(path, number, command, comment))
    return found


def option_value(tokens, *names):
    """The value of the last `--opt V` or `--opt=V` among tokens, or None."""
    value = None
    for i, tok in enumerate(tokens):
        for name in names:
            if tok == name and i + 1 < len(tokens):
                value = tokens[i + 1]
            elif tok.startswith(name + "="):
                value = tok.split("=", 1)[1]
    return value


def parse_bytes(text):
    m = re.fullmatch(r"(\d+)([KMG]?)", text or "")
    if not m:
        return None
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


def set_options(tokens, settings):
    """Replaces each option's value (flopwall refuses an option given twice), else appends it."""
    tokens = list(tokens)
    for name, value in settings:
        for i, tok in enumerate(tokens):
            if tok == name and i + 1 < len(tokens):
                tokens[i + 1] = value
                break
            if tok.startswith(name + "="):
                tokens[i] = f"{name}={value}"
                break
        else:
            tokens += [name, value]
    return tokens


def mpirun_ranks(tokens):
    """(ranks, oversubscribed) of an `mpirun ... PROGRAM ...` command, from the options before PROGRAM."""
    takes_value = {"-np", "-n", "--np", "-c", "-x", "-H", "--host", "--hostfile", "-hostfile", "--map-by",
                   "--bind-to", "--rank-by", "--npernode", "-npernode", "--wdir", "-wdir"}
    ranks, oversubscribe, i = 1, False, 1
    while i < len(tokens) and tokens[i].startswith("-"):
        opt = tokens[i]
        if opt in ("-np", "-n", "--np", "-c") and i + 1 < len(tokens) and tokens[i + 1].isdigit():
            ranks = int(tokens[i + 1])
        oversubscribe |= opt == "--oversubscribe"
        i += 3 if opt in ("--mca", "-mca") else 2 if opt in takes_value else 1
    return ranks, oversubscribe


def all_words(tokens):
    """The tokens, plus the words of any quoted script among them (`bash -c '...'`)."""
    words = list(tokens)
    for tok in tokens:
        if " " in tok:
            try:
                words += shlex.split(tok)
            except ValueError:
                pass
    return words


def plan(cmd):
    """(action, text): how the docs test treats one command; the rules are in docs_commands.sh."""
    for need in cmd.needs:
        if need not in NEEDS:
            return "error", f"unknown mark 'needs: {need}'; valid: {', '.join(sorted(NEEDS))}"
    if cmd.needs:
        return "skip", "; ".join(NEEDS[n] for n in cmd.needs)
    try:
        tokens = shlex.split(cmd.text)
    except ValueError as e:
        return "error", f"not a shell command ({e})"
    first = next((t for t in tokens if not re.match(r"^[A-Za-z_]\w*=", t)), "")
    if first in RUN_BY:
        runner = RUN_BY[first]
        if not os.access(os.path.join(REPO, first), os.X_OK):
            return "error", f"{first} is not an executable file in the repository"
        with open(os.path.join(REPO, runner), encoding="utf-8") as f:
            if first not in f.read():
                return "error", f"{first} builds or tests the project, and {runner} no longer runs it"
        return "skip", f"builds or tests the whole project; {runner} runs it, outside ctest"
    words = all_words(tokens)
    if any(w in ("...", "\u2026") for w in words):
        return "error", "'...' stands for more arguments; show a concrete command"
    if first in ("mpirun", "mpiexec"):
        ranks, oversubscribed = mpirun_ranks(tokens)
        if ranks > MAX_RANKS:
            return "error", (f"{ranks} ranks are more than the docs test runs ({MAX_RANKS}); "
                             "mark the line '# needs: cluster' (or gpu)")
        if ranks > RANKS_WITHOUT_OVERSUBSCRIBE and not oversubscribed:
            return "error", (f"{ranks} ranks fail on a {RANKS_WITHOUT_OVERSUBSCRIBE}-core machine without "
                             "--oversubscribe; show it with a note, or mark the line '# needs: cluster'")
    maxbytes = parse_bytes(option_value(words, "-e", "--maxbytes"))
    if maxbytes and maxbytes > MAX_SWEEP_BYTES:
        return "error", (f"--maxbytes {maxbytes} is more than the docs test sweeps ({MAX_SWEEP_BYTES >> 20}M); "
                         "lower it, or mark the line '# needs: cluster'")
    text = cmd.text
    if option_value(words, "--model") in HEAVY_PRESETS:
        if option_value(tokens, "--model") is None or any(t in SHELL_OPERATORS for t in tokens):
            return "error", "a heavy preset inside a compound command; simplify it or mark it '# needs: cluster'"
        text = shlex.join(set_options(tokens, HEAVY_OVERRIDES))
    for tok in tokens:
        if PLACEHOLDER.search(tok):
            text = text.replace(tok, f'"$(newest {shlex.quote(PLACEHOLDER.sub("*", tok))})"')
    return "run", text


SELFTEST_MARKDOWN = """\
```sh
build/flopwall --version   # a comment
mpirun -np 2 build/flopwall run \\
    --model tiny --out 'a b.h5'
# a comment line
```

```
$ build/flopwall report results/<timestamp>-run.h5
output line, not a command
time_us = alpha_us + size_bytes
flopwall: error: an error message, not a command
```

  ```bash
  mpirun -np 16 flopwall collectives -e 1G   # allreduce; needs: cluster
  mpirun -np 4 build/flopwall run
  mpirun -np 4 --oversubscribe build/flopwall collectives -n 9 -e 1G
  flopwall run --model llama2-7b --layers 4 --dtype fp64
  flopwall run --tier all ...
  flopwall run   # needs: gpus
  ```

```python
print("not a shell command")
```
"""
SELFTEST_EXPECTED = [
    (2, "run", "build/flopwall --version"),
    (3, "run", "mpirun -np 2 build/flopwall run --model tiny --out 'a b.h5'"),
    (9, "run", "build/flopwall report \"$(newest 'results/*-run.h5')\""),
    (16, "skip", NEEDS["cluster"]),
    (17, "error", "4 ranks fail"),
    (18, "error", "--maxbytes 1073741824 is more"),
    (19, "run", "flopwall run --model llama2-7b --layers 1 --dtype fp64 --seq 128 --batch 1 --iters 2 --warmup 1"),
    (20, "error", "'...' stands for"),
    (21, "error", "unknown mark 'needs: gpus'"),
]


def selftest():
    """Checks the finder and the rules on a sample; prints what differs."""
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
        f.write(SELFTEST_MARKDOWN)
    try:
        got = [(c.line, *plan(c)) for c in commands_in(f.name)]
    finally:
        os.unlink(f.name)
    ok = len(got) == len(SELFTEST_EXPECTED) and all(
        g[0] == e[0] and g[1] == e[1] and g[2].startswith(e[2]) for g, e in zip(got, SELFTEST_EXPECTED))
    if not ok:
        print("doc_commands.py selftest: expected", *SELFTEST_EXPECTED, "got", *got, sep="\n  ")
        return 1
    print(f"doc_commands.py selftest: {len(got)} commands found and planned as expected")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "selftest":
        return selftest()
    if len(argv) < 3 or argv[1] not in ("list", "plan"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    if argv[1] == "list":
        for path in argv[2:]:
            for c in commands_in(path):
                action, text = plan(c)
                print(f"{path}:{c.line}: [{action}] {c.text}" + (f"    # {text}" if action != "run" else ""))
        return 0
    for c in commands_in(argv[2]):
        action, text = plan(c)
        for field in (text, c.text):
            if "\t" in field or "\n" in field:
                action, text = "error", "a tab or newline in the command"
        print(f"{c.line}\t{action}\t{text}\t{c.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
