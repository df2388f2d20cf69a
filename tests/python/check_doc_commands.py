#!/usr/bin/env python3
"""Checks that every shell command in README.md and docs/*.md is valid as written, so the docs
cannot go stale silently: the programs exist, every option is one the program accepts, every
moe_train --set key is a configuration key, and every repository file named exists.

  check_doc_commands.py REPO_ROOT BUILD_DIR
  check_doc_commands.py --self-test

Nothing is run except `PROG --help` (`PROG SUB --help` for programs with subcommands, such as
moe_prep) and `moe_train --config-reference`. Standard library only.

Which text is a command
- Fenced blocks labelled sh, bash, shell, zsh or console: every line. Other labels (text, yaml,
  json, python, cpp, ...) are never commands.
- Unlabelled fenced blocks: commands when at least one line starts with a command word (a
  build/bin program, a program of BUILD_DIR/bin, a repository script, an allowed external, a
  shell keyword or VAR=value) and no line looks like a diagram (arrows ->, <-, =>, box edges
  +--, lines starting with |). Such blocks are listed as `skip` in the output.
- A block whose first line starts with "$ " is a transcript: only "$ " lines (and their
  continuations) are commands, the rest is output. That is always the case for console blocks.
- Inline code spans whose first word is a project program (build/bin/moe_x or bare moe_x) or a
  repository script, with at least one argument (`moe_eval CHECKPOINT MANIFEST`), or that start
  with sbatch, srun, mpirun, mpiexec, bash or python3 and run one (`sbatch slurm/x.sbatch ...`).
  Inline spans may name a program without build/bin/ (they refer to it; they are not pasted
  into a shell) and may lack the program after a launcher (`run_local.sh NP|auto`).
- Indented (4-space) code blocks are not read: the docs use them for formulas.
- Backslash-newline joins lines; a quote left open continues on the next line; "# ..." is a
  comment; a trailing |, && or || continues the command; commands inside $( ) are checked too.
  A | between two words with no space around it separates alternatives of a synopsis
  (NP|auto), not a pipe.

What is checked (each part of a |, &&, ||, ; chain on its own)
- A program under build/bin/ (any build*/bin/): it must exist in BUILD_DIR/bin; every --option
  and -x must be listed by its --help (a subcommand's own --help for programs whose help lists
  "commands:", and the subcommand must be one of them). Programs without a working --help (the
  bench/ programs) accept the options that appear as "--x" literals in their source file.
- moe_train --set KEY=VALUE: KEY must be a key of moe_train --config-reference; for choice and
  bool keys a literal VALUE must be an allowed one.
- In a fenced block, a bare project program name (moe_prep ...) is a problem: nothing installs
  the programs on PATH, so the command only runs as build/bin/moe_prep.
- Wrappers and launchers are looked through: VAR=value prefixes, env, sudo, time,
  /usr/bin/time, nohup, exec, timeout, mpirun/mpiexec [opts] PROG, srun [opts] PROG,
  launch/run_local.sh N PROG, slurm/site.sh CMD, bash/sh SCRIPT, python3 SCRIPT,
  sbatch [opts] SCRIPT ARGS, bash -c "...".
- A repository script (launch/x.sh, slurm/x.sbatch, python3 tests/python/x.py, ...) must exist,
  and be executable when run directly. Its --options must appear in its text, or be accepted by
  the project program it passes "$@" to (found by reading the script, following scripts that
  pass "$@" on to other scripts; --set keys are then checked too); scripts that pass "$@" to
  an external program (ctest) accept anything.
- A relative path argument must exist in REPO_ROOT when its first folder is a repository folder
  (configs, launch, slurm, scripts, tests, docs, bench, src, cmake) or it ends in .sh, .sbatch,
  .yaml, .yml, .md, .py, .cmake, .cpp, .h. Not required to exist: the value of an output option
  (--out, -o, --output, --out-dir, --local-dir), a redirection target, paths under data/, runs/,
  logs/, out/, exported/ or build*/ (made by the commands), paths an earlier command of the same
  file creates (mkdir, cp/mv/ln targets, touch, tee, redirections, output options, cmake -B,
  git clone), paths outside the repository (/..., ../..., ~/...), and anything after a cd.
- cmake -DMOE_X=...: MOE_X must appear in the repository's CMake files.
- Placeholders are allowed as values and positionals, never as option names: ALL-CAPS words
  (CHECKPOINT, DIR/x, MANIFEST.json, KEY=VALUE), <angle brackets>, ..., $VARIABLES, words
  inside [optional brackets] (where | separates alternatives, as in [--format md|csv]).
- Any other program name must be in ALLOWED_EXTERNALS below; an unknown name is a problem (so a
  misspelt program is caught). Externals' options are not checked.

Output: "ok  FILE:LINE  COMMAND" per command, "skip  FILE:LINE  why" per unlabelled block that is
not commands, "FILE:LINE: problem" per problem, then a summary. Exit 0 when there is no
problem, 1 when there is, 2 on a bad command line.
"""

import argparse
import concurrent.futures
import difflib
import os
import re
import stat
import subprocess
import sys
import tempfile
import time

SHELL_LABELS = {"sh", "bash", "shell", "zsh", "console", "shell-session", "shellsession"}

# Programs a doc may run besides the project's own: anything else is reported as unknown.
ALLOWED_EXTERNALS = {
    # packages, build, version control
    "apt-get", "apt", "dpkg", "pip", "pip3", "git", "cmake", "ctest", "make", "ninja",
    "update-alternatives", "clang-format", "clang-tidy", "debootstrap", "chroot", "mount",
    # interpreters and shell built-ins
    "bash", "sh", "python3", "/usr/bin/python3", "python", "cd", "export", "source", ".",
    "echo", "printf", "set", "unset", "ulimit", "true", "false", "test", "wait", "kill",
    # wrappers
    "sudo", "env", "time", "/usr/bin/time", "nohup", "exec", "timeout", "command",
    # MPI, SLURM, GPUs, HDF5, plotting
    "mpirun", "mpiexec", "srun", "sbatch", "squeue", "scontrol", "scancel", "sinfo", "sacct",
    "module", "nvidia-smi", "nproc", "h5ls", "h5dump", "h5stat", "h5diff", "gnuplot",
    # files and text
    "ls", "cat", "head", "tail", "less", "grep", "sed", "awk", "sort", "uniq", "wc", "cut",
    "diff", "cmp", "tee", "xargs", "find", "du", "mkdir", "cp", "mv", "rm", "ln", "touch",
    "tar", "wget", "curl", "jq", "sha256sum", "ldd", "which", "watch", "dirname", "basename",
    "realpath", "pwd", "date", "hostname", "id", "seq",
    "huggingface-cli",
}
SHELL_KEYWORDS = {"if", "then", "else", "elif", "fi", "while", "until", "do", "done", "!", "{",
                  "}", "esac"}
# Launch scripts of the repository that run a command: how many of their own arguments come first.
WRAPPER_SCRIPTS = {"launch/run_local.sh": 1, "slurm/site.sh": 0}
# Inline spans starting with one of these are commands when they run a project program or script.
INLINE_LAUNCHERS = {"sbatch", "srun", "mpirun", "mpiexec", "bash", "sh", "python3",
                    "/usr/bin/python3"}
REPO_DIRS = {"configs", "launch", "slurm", "scripts", "tests", "docs", "bench", "src", "cmake"}
REPO_EXTS = (".sh", ".sbatch", ".yaml", ".yml", ".md", ".py", ".cmake", ".cpp", ".h")
GENERATED_ROOTS = {"data", "runs", "logs", "out", "exported"}
OUTPUT_OPTIONS = {"--out", "-o", "--output", "--out-dir", "--output-dir", "--local-dir"}
# Options of the launchers that take a value (the others are flags or carry =value).
MPIRUN_VALUE_OPTIONS = {"-np", "-n", "-c", "--np", "-N", "-H", "--host", "-host", "--hostfile",
                        "-hostfile", "--machinefile", "-machinefile", "--map-by", "--bind-to",
                        "--rank-by", "-x", "-ppn", "--npernode", "-npernode", "--prefix",
                        "-wdir", "--wdir", "--output-filename", "--report-bindings-file"}
SLURM_VALUE_OPTIONS = {"-A", "-a", "-b", "-c", "-D", "-d", "-e", "-G", "-i", "-J", "-L", "-M",
                       "-m", "-N", "-n", "-o", "-p", "-q", "-S", "-t", "-w", "-x", "-C",
                       "--account", "--array", "--begin", "--cpus-per-task", "--chdir",
                       "--dependency", "--error", "--gpus", "--gpus-per-node", "--gpus-per-task",
                       "--gres", "--input", "--job-name", "--licenses", "--clusters",
                       "--distribution", "--nodes", "--ntasks", "--ntasks-per-node", "--output",
                       "--partition", "--qos", "--time", "--nodelist", "--exclude", "--mem",
                       "--mem-per-cpu", "--mem-per-gpu", "--export", "--signal", "--constraint",
                       "--mpi", "--wrap", "--reservation", "--open-mode"}

PLACEHOLDER_WORD = re.compile(r"^[A-Z][A-Z0-9_]*(\.[A-Za-z0-9]+)?(\.\.\.)?$")


# --------------------------------------------------------------------------------------------
# Markdown: fenced blocks and inline spans
# --------------------------------------------------------------------------------------------

class Snippet:
    """Text that may hold commands: a fenced block's body or an inline code span."""

    def __init__(self, path, line, text, kind, label=""):
        self.path, self.line, self.text, self.kind, self.label = path, line, text, kind, label


FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)")


def extract_snippets(relpath, markdown):
    """Fenced blocks (kind 'fenced', with their label) and inline code spans (kind 'inline')."""
    snippets = []
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            for span in re.finditer(r"(?<!`)`([^`]+)`(?!`)", lines[i]):
                snippets.append(Snippet(relpath, i + 1, span.group(1), "inline"))
            i += 1
            continue
        indent, fence, label = len(m.group(1)), m.group(2), m.group(3).lower()
        body, start = [], i + 2
        i += 1
        while i < len(lines):
            close = re.match(r"^ {0,3}(`{3,}|~{3,})\s*$", lines[i])
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence):
                break
            line = lines[i]
            strip = min(indent, len(line) - len(line.lstrip(" ")))
            body.append(line[strip:])
            i += 1
        snippets.append(Snippet(relpath, start, "\n".join(body), "fenced", label))
        i += 1
    return snippets


# --------------------------------------------------------------------------------------------
# Shell: a tokenizer that keeps line numbers
# --------------------------------------------------------------------------------------------

class Word:
    def __init__(self, text, line, quoted=False, expands=False, optional=False):
        self.text = text          # after quote removal
        self.line = line
        self.quoted = quoted
        self.expands = expands    # holds $VAR, ${..} or $(..): its value is not known
        self.optional = optional  # written inside [ ] of a usage synopsis

    def __repr__(self):
        return f"Word({self.text!r})"


class Op:
    def __init__(self, text, line):
        self.text, self.line = text, line

    def __repr__(self):
        return f"Op({self.text!r})"


class ShellSyntaxError(Exception):
    pass


OPERATORS = ["<<<", "&&", "||", ";;", ">>", ">&", "<&", "&>", ">|", "<<", "|", "&", ";", "<",
             ">", "(", ")"]
REDIRECTIONS = {">", ">>", "<", ">&", "<&", "&>", ">|", "<<", "<<<"}


def _skip_dollar_paren(text, i):
    """Index after the ')' closing the '$(' at text[i]."""
    depth, j, quote = 0, i + 1, None
    while j < len(text):
        c = text[j]
        if quote:
            if c == quote:
                quote = None
            elif c == "\\" and quote == '"':
                j += 1
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise ShellSyntaxError("unclosed $(")


def tokenize(text, first_line):
    """Words and operators; newlines outside quotes become Op('\\n')."""
    tokens = []
    line = first_line
    i, n = 0, len(text)
    word, word_line, in_word = [], line, False
    quoted = expands = False
    bracket_depth = 0
    optional = False

    def flush():
        nonlocal word, in_word, quoted, expands, optional
        if in_word:
            tokens.append(Word("".join(word), word_line, quoted, expands, optional))
        word, in_word, quoted, expands = [], False, False, False
        optional = bracket_depth > 0

    def start():
        nonlocal in_word, word_line, optional
        if not in_word:
            in_word, word_line = True, line
            optional = optional or bracket_depth > 0

    while i < n:
        c = text[i]
        if c == "\n":
            flush()
            tokens.append(Op("\n", line))
            line += 1
            i += 1
        elif c in " \t":
            flush()
            i += 1
        elif c == "#" and not in_word:
            while i < n and text[i] != "\n":
                i += 1
        elif c == "\\":
            if i + 1 < n and text[i + 1] == "\n":
                line += 1
                i += 2
            else:
                start()
                if i + 1 < n:
                    word.append(text[i + 1])
                i += 2
        elif c == "'":
            start()
            quoted = True
            j = text.find("'", i + 1)
            if j < 0:
                raise ShellSyntaxError("unclosed '")
            word.append(text[i + 1:j])
            line += text.count("\n", i, j)
            i = j + 1
        elif c == '"':
            start()
            quoted = True
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    if text[j + 1] in '"\\$`':
                        word.append(text[j + 1])
                    elif text[j + 1] != "\n":
                        word.append(text[j:j + 2])
                    j += 2
                    continue
                if text[j] == "$" and j + 1 < n and text[j + 1] == "(":
                    k = _skip_dollar_paren(text, j)
                    word.append(text[j:k])
                    expands = True
                    j = k
                    continue
                if text[j] == "$" and j + 1 < n and (text[j + 1].isalnum()
                                                     or text[j + 1] in "{_@*#?"):
                    expands = True
                word.append(text[j])
                j += 1
            if j >= n:
                raise ShellSyntaxError('unclosed "')
            line += text.count("\n", i, j)
            i = j + 1
        elif c == "$" and i + 1 < n and text[i + 1] == "(":
            start()
            k = _skip_dollar_paren(text, i)
            word.append(text[i:k])
            line += text.count("\n", i, k)
            expands = True
            i = k
        elif c == "$" and i + 1 < n and (text[i + 1].isalnum() or text[i + 1] in "{_@*#?"):
            start()
            expands = True
            word.append(c)
            i += 1
        elif c == "<" and re.match(r"<[A-Za-z][\w.-]*>", text[i:]):
            start()
            j = text.index(">", i)
            word.append(text[i:j + 1])
            i = j + 1
        elif c == "[" and not in_word:
            bracket_depth += 1
            start()
            optional = True
            i += 1
        elif c == "]" and bracket_depth > 0:
            bracket_depth -= 1
            i += 1
        elif c == "|" and (bracket_depth > 0 or (
                in_word and i + 1 < n and text[i + 1] not in " \t\n|&;<>()")):
            # Alternatives of a synopsis (NP|auto, [--format md|csv]): docs space their pipes.
            start()
            word.append(c)
            i += 1
        elif c in "|&;<>()":
            # A number right before a redirection is its file descriptor (2>&1).
            if c in "<>" and in_word and not quoted and "".join(word).isdigit():
                word, in_word = [], False
            flush()
            op = next(o for o in OPERATORS if text.startswith(o, i))
            tokens.append(Op(op, line))
            i += len(op)
        else:
            start()
            word.append(c)
            i += 1
    flush()
    return tokens


def open_continuation(text):
    """True when text ends inside quotes, after a backslash or after |, && or ||."""
    stripped = text.rstrip()
    if stripped.endswith("\\") or re.search(r"(\|\||&&|\|)$", stripped):
        return True
    try:
        tokenize(text, 1)
    except ShellSyntaxError:
        return True
    return False


class Statement:
    """One command as written (a line with its continuations): simple commands split at
    |, ||, &&, ;, &, ( and )."""

    def __init__(self, line, text, commands):
        self.line, self.text, self.commands = line, text, commands


class SimpleCommand:
    def __init__(self, words, redirections):
        self.words = words                # [Word]
        self.redirections = redirections  # [(op, Word)]


def split_statements(tokens, source_lines, first_line):
    """Statements of a token list; source_lines gives each statement's text for display."""
    statements = []
    current, words, redirections = [], [], []
    start_line = None
    continues = False

    def end_command():
        nonlocal words, redirections
        if words or redirections:
            current.append(SimpleCommand(words, redirections))
        words, redirections = [], []

    def end_statement(last_line):
        nonlocal current, start_line
        end_command()
        if current:
            text = " ".join(line.strip().rstrip("\\").strip() for line in
                            source_lines[start_line - first_line:last_line - first_line + 1])
            statements.append(Statement(start_line, re.sub(r"\s+", " ", text), current))
        current, start_line = [], None

    k = 0
    while k < len(tokens):
        t = tokens[k]
        if isinstance(t, Word):
            if start_line is None:
                start_line = t.line
            words.append(t)
            continues = False
        elif t.text == "\n":
            if not continues:
                end_statement(t.line)
        elif t.text in REDIRECTIONS:
            if start_line is None:
                start_line = t.line
            target = tokens[k + 1] if k + 1 < len(tokens) else None
            if isinstance(target, Word):
                redirections.append((t.text, target))
                k += 1
            continues = False
        else:
            if start_line is None:
                start_line = t.line
            end_command()
            continues = t.text in ("|", "||", "&&")
        k += 1
    if tokens:
        end_statement(first_line + len(source_lines) - 1)
    return statements


# --------------------------------------------------------------------------------------------
# Programs: --help and --config-reference, parsed
# --------------------------------------------------------------------------------------------

class ProgramHelp:
    def __init__(self, usable, options, subcommands, command_line):
        self.usable = usable            # False: no --help; options come from the source
        self.options = options          # name -> takes a value (None: unknown)
        self.subcommands = subcommands  # [] for programs without subcommands
        self.command_line = command_line


def parse_help(text):
    """(options, subcommands) from boost::program_options-style or hand-written help."""
    options, subcommands = {}, []
    in_commands = in_usage = False
    for line in text.splitlines():
        if re.match(r"^\s*commands:\s*$", line, re.I):
            in_commands = True
            continue
        if in_commands:
            m = re.match(r"^\s{1,8}([a-z][\w-]*)(\s{2,}|\s*$)", line)
            if m:
                subcommands.append(m.group(1))
                continue
            in_commands = False
        if re.match(r"^\s*usage:", line, re.I):
            in_usage = True
        elif not line.strip():
            in_usage = False
        if in_usage:
            for m in re.finditer(r"(?<![\w-])(--[A-Za-z0-9][\w-]*)(=|\s+[A-Z<])?", line):
                options.setdefault(m.group(1), bool(m.group(2)))
            continue
        m = re.match(r"^\s{1,8}(-\S.*)$", line)
        if not m:
            continue
        spec = re.split(r"\s{2,}", m.group(1))[0]
        names = re.findall(r"(?<![\w-])(--?[A-Za-z0-9][\w-]*)", spec)
        rest = re.sub(r"(?<![\w-])--?[A-Za-z0-9][\w-]*|[\[\],]", " ", spec)
        takes = bool(re.search(r"\barg\b|^\s*=|\s[A-Z<][A-Z_<>]*", rest))
        for name in names:
            options[name] = takes
    return options, subcommands


def parse_config_reference(text):
    """key -> allowed literal values (a set for choice and bool keys, else None)."""
    keys = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not re.fullmatch(r"`[\w.]+`", cells[0]):
            continue
        key, kind, allowed = cells[0].strip("`"), cells[1], cells[3]
        if kind == "bool":
            keys[key] = {"true", "false"}
        elif kind == "choice":
            keys[key] = {v.strip() for v in allowed.split(",")}
        else:
            keys[key] = None
    return keys


def run_capture(argv, cwd):
    """(exit status, stdout + stderr); retried briefly when the program is being rebuilt."""
    for attempt in range(3):
        try:
            p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=60, text=True, errors="replace")
            return p.returncode, p.stdout
        except OSError as e:
            if attempt == 2:
                return None, str(e)
            time.sleep(2)
        except subprocess.TimeoutExpired:
            return None, "timed out"
    return None, ""


# --------------------------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------------------------

def is_placeholder(text):
    if (not text or text in ("...", "…") or text.startswith("<") or text.endswith("...")
            or "|" in text):
        return True
    if re.search(r"<[^>]*>", text):
        return True
    parts = [part for part in re.split(r"[/=]", text) if part]
    # DIR/x and KEY=VALUE hold a placeholder; docs/CONFIG.md is a real path, MANIFEST.json is not.
    return (len(parts) == 1 and bool(PLACEHOLDER_WORD.match(parts[0]))) or any(
        re.fullmatch(r"[A-Z][A-Z0-9_]*(\.\.\.)?", part) for part in parts)


def is_option(word):
    return (word.text.startswith("-") and len(word.text) > 1 and word.text != "--"
            and not re.match(r"^-[\d.]", word.text))


def normalize(path):
    path = path[2:] if path.startswith("./") else path
    return path.rstrip("/")


class Context:
    """Per-file state: outputs of earlier commands; per-block: a cd happened."""

    def __init__(self, path, kind):
        self.path = path
        self.kind = kind            # 'fenced' or 'inline'
        self.produced = set()
        self.cwd_changed = False
        self.problems = []

    def problem(self, line, message):
        self.problems.append(f"{self.path}:{line}: {message}")


class DocChecker:
    def __init__(self, repo, build, build_display=None):
        self.repo = os.path.abspath(repo)
        self.build = os.path.abspath(build)
        self.build_display = build_display or build
        self.bin = os.path.join(self.build, "bin")
        self.programs = None
        self.helps = {}
        self.config_keys = None
        self.script_forwards = {}
        self.output = []
        self.problems = []
        self.commands_checked = 0

    # --- what is there -----------------------------------------------------------------------

    def project_programs(self):
        if self.programs is None:
            try:
                self.programs = {f for f in os.listdir(self.bin)
                                 if os.access(os.path.join(self.bin, f), os.X_OK)
                                 and os.path.isfile(os.path.join(self.bin, f))}
            except OSError:
                self.programs = set()
        return self.programs

    def is_project_name(self, name):
        return name in self.project_programs() or bool(re.fullmatch(r"moe_[a-z0-9_]+", name))

    def help_of(self, program, sub=None):
        key = (program, sub)
        if key in self.helps:
            return self.helps[key]
        exe = os.path.join(self.bin, program)
        argv = [exe] + ([sub] if sub else []) + ["--help"]
        status, text = run_capture(argv, self.repo)
        options, subcommands = parse_help(text or "")
        shown = f"{self.build_display}/bin/{program}" + (f" {sub}" if sub else "") + " --help"
        if status == 0 and (options or subcommands):
            help_ = ProgramHelp(True, options, subcommands, shown)
        else:
            help_ = ProgramHelp(False, self.options_from_source(program), [], shown)
            help_.command_line = (f"the option literals of {self.source_of(program)}"
                                  if self.source_of(program) else shown)
        self.helps[key] = help_
        return help_

    def source_of(self, program):
        for folder in ("bench", "src/apps", "src", "tests"):
            candidate = os.path.join(folder, program + ".cpp")
            if os.path.isfile(os.path.join(self.repo, candidate)):
                return candidate
        return None

    def options_from_source(self, program):
        source = self.source_of(program)
        if not source:
            return {}
        with open(os.path.join(self.repo, source), encoding="utf-8", errors="replace") as f:
            text = f.read()
        return {m.group(1): None for m in re.finditer(r'"(--?[A-Za-z][\w-]*)"', text)}

    def config_reference(self):
        if self.config_keys is None:
            status, text = run_capture([os.path.join(self.bin, "moe_train"),
                                        "--config-reference"], self.repo)
            self.config_keys = parse_config_reference(text or "") if status == 0 else {}
        return self.config_keys

    def repo_file(self, path):
        return os.path.join(self.repo, normalize(path))

    # --- paths ---------------------------------------------------------------------------------

    def check_path(self, word, ctx, what="file"):
        """A relative path that names a repository file must exist."""
        text = word.text
        if (word.expands or word.optional or ctx.cwd_changed or not text
                or re.search(r"[\s*?{}\[\]<>|`]", text) or "://" in text
                or text.startswith(("/", "~", "-", "..")) or is_placeholder(text)):
            return
        path = normalize(text)
        if not path or path.startswith("../"):
            return
        first = path.split("/")[0]
        if first in GENERATED_ROOTS or first.startswith("build"):
            return
        if not (("/" in text and first in REPO_DIRS) or path.endswith(REPO_EXTS)):
            return
        if any(path == p or path.startswith(p + "/") for p in ctx.produced):
            return
        if not os.path.exists(self.repo_file(path)):
            ctx.problem(word.line, f"{text}: no such {what} in the repository")

    def produce(self, word, ctx):
        if not word.expands and word.text:
            ctx.produced.add(normalize(word.text))

    # --- scripts -------------------------------------------------------------------------------

    def script_forward(self, path, depth=0):
        """Where a repository script sends "$@": ('program', name, sub), ('opaque',) or None."""
        key = normalize(path)
        if key in self.script_forwards:
            return self.script_forwards[key]
        self.script_forwards[key] = None  # guards against cycles
        result = None
        try:
            with open(self.repo_file(key), encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            return None
        text = text.replace("\\\n", " ")
        for line in text.splitlines():
            if not re.search(r'"?\$(@|\{@\})"?', line) or re.match(r"\s*(#|for\b|echo\b)", line):
                continue
            try:
                statements = split_statements(tokenize(line, 1), [line], 1)
            except ShellSyntaxError:
                continue
            for statement in statements:
                for command in statement.commands:
                    if not any(w.text in ("$@", "${@}") for w in command.words):
                        continue
                    found = self.forward_target(command.words, depth)
                    if found and found[0] == "program":
                        result = found
                    elif found and result is None:
                        result = found
        self.script_forwards[key] = result
        return result

    def forward_target(self, words, depth):
        """What a script's command line that holds "$@" runs."""
        words = [w for w in words if not re.fullmatch(r"[A-Za-z_]\w*=.*", w.text)]
        i = 0
        while i < len(words):
            t = words[i].text
            if t in ("exec", "command", "time", "nohup", "env"):
                i += 1
            elif t in ("mpirun", "mpiexec", "srun"):
                i += 1
                value_options = MPIRUN_VALUE_OPTIONS if t != "srun" else SLURM_VALUE_OPTIONS
                while i < len(words) and (words[i].text.startswith("-") or
                                          (words[i].expands and "/" not in words[i].text)):
                    i += 2 if words[i].text in value_options else 1
            elif normalize(t) in WRAPPER_SCRIPTS:
                i += 1 + WRAPPER_SCRIPTS[normalize(t)]
            elif t in ("bash", "sh") and i + 1 < len(words):
                target = words[i + 1].text
                if target in ("$@", "${@}"):
                    return None
                forwarded = self.script_forward(target, depth + 1) if depth < 4 else None
                return forwarded
            else:
                break
        if i >= len(words):
            return None
        t = words[i].text
        name = os.path.basename(t)
        if t in ("$@", "${@}"):
            return None  # the script runs its arguments as a command (a wrapper)
        if (words[i].expands or t.startswith(("build", "./build"))) and self.is_project_name(name):
            sub = None
            help_ = self.help_of(name)
            if help_.subcommands:
                for w in words[i + 1:]:
                    if w.text in help_.subcommands:
                        sub = w.text
                        break
            return ("program", name, sub)
        if "/" in t and not words[i].expands and os.path.isfile(self.repo_file(t)):
            return self.script_forward(t, depth + 1) if depth < 4 else None
        return ("opaque",)

    def check_script(self, word, args, ctx, executed_directly):
        """A repository script run with args."""
        path = normalize(word.text)
        if word.expands or is_placeholder(word.text):
            return
        full = self.repo_file(path)
        if not os.path.isfile(full):
            if not any(path == p or path.startswith(p + "/") for p in ctx.produced):
                ctx.problem(word.line, f"{word.text}: no such script in the repository")
            return
        if executed_directly and not os.access(full, os.X_OK):
            ctx.problem(word.line, f"{word.text} is not executable: run it with bash, or chmod +x")
        with open(full, encoding="utf-8", errors="replace") as f:
            script_text = f.read()
        forward = self.script_forward(path)
        if forward and forward[0] == "opaque":
            for a in args:
                if not is_option(a):
                    self.check_path(a, ctx)
            return
        if forward and forward[0] == "program":
            _, program, sub = forward
            self.check_program_args(program, sub, args, ctx, via_script=(path, script_text))
            return
        for a in args:
            if is_option(a):
                name = a.text.split("=", 1)[0]
                if not re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", script_text):
                    ctx.problem(a.line, f"{path} has no option {name} (it is not in the script)")
            else:
                self.check_path(a, ctx)

    # --- project programs ----------------------------------------------------------------------

    def check_program_args(self, program, sub, args, ctx, via_script=None):
        """Options (and --set keys) of a project program; sub: a subcommand a script supplies."""
        help_ = self.help_of(program)
        args = list(args)
        label = program
        if sub is None and help_.subcommands:
            first = next((a for a in args if not a.optional), None)
            if first is None or first.text in ("-h", "--help"):
                return
            if first.expands or is_placeholder(first.text):
                return  # a placeholder command: its options cannot be known
            if first.text not in help_.subcommands:
                ctx.problem(first.line, f"{program} has no command '{first.text}' (commands: "
                            f"{', '.join(help_.subcommands)})")
                return
            sub = first.text
            args.remove(first)
        if sub:
            help_ = self.help_of(program, sub)
            label = f"{program} {sub}"
        j = 0
        while j < len(args):
            a = args[j]
            if not is_option(a):
                self.check_path(a, ctx)
                j += 1
                continue
            name, eq, value_text = a.text.partition("=")
            takes = help_.options.get(name, False) if name in help_.options else None
            if name not in help_.options:
                allowed_by_script = via_script and re.search(
                    r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", via_script[1])
                if not allowed_by_script:
                    close = difflib.get_close_matches(name, list(help_.options), n=1)
                    hint = f"; did you mean {close[0]}?" if close else ""
                    through = f"{via_script[0]} passes its arguments to {label}, which" \
                        if via_script else label
                    ctx.problem(a.line, f"{through} has no option {name} "
                                f"(see {help_.command_line}{hint})")
            value = None
            if eq:
                value = Word(value_text, a.line, a.quoted, a.expands, a.optional)
            elif takes is not False and j + 1 < len(args) and not is_option(args[j + 1]):
                j += 1
                value = args[j]
            if value is not None:
                if name in OUTPUT_OPTIONS:
                    self.produce(value, ctx)
                elif name == "--set" and program == "moe_train":
                    self.check_set(value, ctx)
                else:
                    self.check_path(value, ctx)
            j += 1

    def check_set(self, value, ctx):
        key, eq, literal = value.text.partition("=")
        if not eq or is_placeholder(key) or "$" in key:
            return
        keys = self.config_reference()
        if not keys:
            ctx.problem(value.line, f"cannot read {self.build_display}/bin/moe_train "
                        "--config-reference to check --set keys")
            return
        if key not in keys:
            close = difflib.get_close_matches(key, list(keys), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            ctx.problem(value.line, f"moe_train has no configuration key '{key}' (see "
                        f"{self.build_display}/bin/moe_train --config-reference{hint})")
            return
        allowed = keys[key]
        if (allowed and not value.expands and not is_placeholder(literal)
                and "|" not in literal and literal not in allowed):
            ctx.problem(value.line, f"moe_train: '{literal}' is not a value of {key} "
                        f"(one of: {', '.join(sorted(allowed))})")

    # --- one simple command ----------------------------------------------------------------

    def check_command(self, words, redirections, ctx):
        for word in words:  # commands inside $( ): jobid=$(sbatch --parsable ...)
            if word.expands and "$(" in word.text:
                k = 0
                while True:
                    k = word.text.find("$(", k)
                    if k < 0:
                        break
                    try:
                        end = _skip_dollar_paren(word.text, k)
                    except ShellSyntaxError:
                        break
                    self.check_text(word.text[k + 2:end - 1], word.line, ctx)
                    k = end
        for op, target in redirections:
            if op in ("<",):
                self.check_path(target, ctx)
            elif op in (">", ">>", ">|", "&>"):
                self.produce(target, ctx)
        words = list(words)
        while words and words[0].text in SHELL_KEYWORDS and not words[0].quoted:
            words.pop(0)
        if words and words[0].text in ("for", "case", "select", "function") and not words[0].quoted:
            return
        while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0].text) and not words[0].quoted:
            words.pop(0)
        if words:
            self.check_invocation(words, ctx, launched=False)

    def check_invocation(self, words, ctx, launched):
        prog, args = words[0], words[1:]
        t = prog.text
        base = os.path.basename(t)
        programs = self.project_programs()

        if prog.optional:
            return
        if prog.expands:
            if self.is_project_name(base) and "/" in t:
                self.check_program_args(base, None, args, ctx)
            return
        if is_placeholder(t):
            if not launched:
                ctx.problem(prog.line, f"'{t}' is a placeholder where a program is expected")
            return
        if re.match(r"^(\./)?build[^/]*/bin/[^/]+$", t):
            if base not in programs:
                ctx.problem(prog.line, f"{t}: no such program in {self.build_display}/bin")
                return
            self.check_program_args(base, None, args, ctx)
            return
        if t in ("sudo", "nohup", "exec", "command"):
            rest = args
            while rest and rest[0].text.startswith("-"):
                rest = rest[1:]
            if rest:
                self.check_invocation(rest, ctx, launched)
            return
        if t == "env":
            rest = [a for a in args]
            while rest and (rest[0].text.startswith("-") or
                            re.fullmatch(r"[A-Za-z_]\w*=.*", rest[0].text)):
                rest = rest[1:]
            if rest:
                self.check_invocation(rest, ctx, launched)
            return
        if t in ("time", "/usr/bin/time"):
            rest = list(args)
            while rest and rest[0].text.startswith("-"):
                skip = 2 if rest[0].text in ("-f", "-o", "--format", "--output") else 1
                rest = rest[skip:]
            if rest:
                self.check_invocation(rest, ctx, launched)
            return
        if t == "timeout":
            rest = list(args)
            while rest and rest[0].text.startswith("-"):
                rest = rest[2 if rest[0].text in ("-s", "-k", "--signal", "--kill-after") else 1:]
            if len(rest) > 1:
                self.check_invocation(rest[1:], ctx, launched)
            return
        if t in ("mpirun", "mpiexec", "srun"):
            values = SLURM_VALUE_OPTIONS if t == "srun" else MPIRUN_VALUE_OPTIONS
            rest = list(args)
            while rest and rest[0].text.startswith("-"):
                skip = (3 if rest[0].text in ("--mca", "-mca")
                        else 2 if rest[0].text in values else 1)
                rest = rest[skip:]
            if rest:  # else an informational call: srun --mpi=list, mpirun --version
                self.check_invocation(rest, ctx, launched=True)
            return
        if t == "sbatch":
            rest = list(args)
            while rest and rest[0].text.startswith("-"):
                if rest[0].text.startswith("--wrap"):
                    return
                skip = 2 if rest[0].text in SLURM_VALUE_OPTIONS else 1
                rest = rest[skip:]
            if rest:
                self.check_script(rest[0], rest[1:], ctx, executed_directly=False)
            return
        if t in ("bash", "sh"):
            rest = list(args)
            while rest and rest[0].text.startswith("-"):
                if rest[0].text == "-c":
                    if len(rest) > 1 and not rest[1].expands:
                        self.check_text(rest[1].text, rest[1].line, ctx)
                    return
                rest = rest[1:]
            if rest:
                self.check_script(rest[0], rest[1:], ctx, executed_directly=False)
            return
        if t in ("python3", "/usr/bin/python3", "python"):
            rest = list(args)
            while rest and rest[0].text.startswith("-"):
                if rest[0].text in ("-c", "-m"):
                    return
                rest = rest[1:]
            if rest:
                self.check_script(rest[0], rest[1:], ctx, executed_directly=False)
            return
        if normalize(t) in WRAPPER_SCRIPTS:
            self.check_script(prog, [], ctx, executed_directly=True)
            leading = WRAPPER_SCRIPTS[normalize(t)]
            for a in args[:leading]:
                self.check_wrapper_argument(t, a, ctx)
            if len(args) > leading:
                self.check_invocation(args[leading:], ctx, launched=True)
            elif ctx.kind == "fenced":
                ctx.problem(prog.line, f"{t} without a program to run")
            return
        if "/" in t and not t.startswith("/"):
            self.check_script(prog, args, ctx, executed_directly=True)
            return
        if base in programs or re.fullmatch(r"moe_[a-z0-9_]+", t):
            if base not in programs:
                ctx.problem(prog.line, f"{t}: no such program in {self.build_display}/bin")
                return
            if ctx.kind == "fenced":
                ctx.problem(prog.line, f"{t} is not on PATH (nothing installs it): write "
                            f"build/bin/{t}")
            self.check_program_args(base, None, args, ctx)
            return
        if t in ALLOWED_EXTERNALS:
            self.check_external(t, args, ctx)
            return
        ctx.problem(prog.line, f"unknown program '{t}' (not in {self.build_display}/bin, not a "
                    "repository script, not in ALLOWED_EXTERNALS of "
                    "tests/python/check_doc_commands.py)")

    def check_wrapper_argument(self, script, word, ctx):
        """A launch script's own leading argument (run_local.sh NP): a number, a placeholder or
        a word the script itself mentions (auto); each of NP|auto's alternatives."""
        if word.expands:
            return
        try:
            with open(self.repo_file(script), encoding="utf-8", errors="replace") as f:
                script_text = f.read()
        except OSError:
            return  # reported as a missing script
        for alternative in word.text.split("|"):
            if (alternative.isdigit() or PLACEHOLDER_WORD.match(alternative) or re.search(
                    r"(?<![\w-])" + re.escape(alternative) + r"(?![\w-])", script_text)):
                continue
            ctx.problem(word.line, f"{script}: '{alternative}' is not a number of ranks nor a "
                        "word the script knows")

    def check_external(self, t, args, ctx):
        if t == "cd":
            target = args[0].text if args else ""
            if target not in (".", "", "$repo") and normalize(target) != "":
                ctx.cwd_changed = True
            return
        if t in ("mkdir", "touch", "tee"):
            for a in args:
                if not is_option(a):
                    self.produce(a, ctx)
            return
        if t in ("cp", "mv", "ln"):
            plain = [a for a in args if not is_option(a)]
            for a in plain[:-1]:
                self.check_path(a, ctx)
            if plain:
                self.produce(plain[-1], ctx)
            return
        if t == "git" and args and args[0].text == "clone":
            plain = [a for a in args[1:] if not is_option(a)]
            if len(plain) > 1:
                self.produce(plain[-1], ctx)
            return
        j = 0
        while j < len(args):
            a = args[j]
            if t == "cmake" and a.text == "-B" and j + 1 < len(args):
                self.produce(args[j + 1], ctx)
                j += 2
                continue
            if t == "cmake" and a.text.startswith("-D"):
                name = a.text[2:].split("=")[0].split(":")[0]
                if name.startswith("MOE_") and not self.cmake_mentions(name):
                    ctx.problem(a.line, f"cmake option {name} is not defined by the "
                                "repository's CMake files")
            elif a.text in OUTPUT_OPTIONS and j + 1 < len(args):
                self.produce(args[j + 1], ctx)
                j += 2
                continue
            elif not is_option(a):
                self.check_path(a, ctx)
            j += 1

    def cmake_mentions(self, name):
        for root, dirs, files in os.walk(self.repo):
            dirs[:] = [d for d in dirs if not d.startswith((".", "build")) and d != "data"]
            for f in files:
                if f == "CMakeLists.txt" or f.endswith(".cmake"):
                    with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
                        if re.search(r"\b" + re.escape(name) + r"\b", fh.read()):
                            return True
        return False

    def check_text(self, text, line, ctx):
        """Commands of a string (bash -c)."""
        try:
            tokens = tokenize(text, line)
        except ShellSyntaxError as e:
            ctx.problem(line, f"shell syntax: {e}")
            return
        for statement in split_statements(tokens, text.split("\n"), line):
            for command in statement.commands:
                self.check_command(command.words, command.redirections, ctx)

    # --- snippets --------------------------------------------------------------------------

    def command_word(self, word):
        """Does a statement that starts with this word look like a command?"""
        t = word.text
        if t in SHELL_KEYWORDS or t in ("for", "case") or t in ALLOWED_EXTERNALS:
            return True
        if re.fullmatch(r"[A-Za-z_]\w*=.*", t):
            return True
        if re.match(r"^(\./)?build[^/]*/bin/", t) or t in self.project_programs():
            return True
        if t.startswith("./"):
            return True
        first = normalize(t).split("/")[0]
        return "/" in t and first in ("launch", "scripts", "slurm", "bench", "tests")

    def inline_command_word(self, word):
        """A project program or repository script: an inline span starting with one is a
        command (`moe_eval CHECKPOINT MANIFEST`), as is one a launcher runs it in."""
        t = word.text
        return bool(re.match(r"^(\./)?build[^/]*/bin/", t) or self.is_project_name(t) or (
            "/" in t and normalize(t).split("/")[0] in ("launch", "scripts", "slurm", "bench",
                                                         "tests")))

    def statements_of(self, snippet):
        """(statements, transcript) of a fenced block; raises ShellSyntaxError."""
        lines = snippet.text.split("\n")
        first_content = next((l for l in lines if l.strip()), "")
        transcript = snippet.label == "console" or first_content.startswith("$ ")
        if not transcript:
            return split_statements(tokenize(snippet.text, snippet.line), lines, snippet.line)
        statements = []
        i = 0
        while i < len(lines):
            if not lines[i].startswith("$ "):
                i += 1
                continue
            start = i
            chunk = [lines[i][2:]]
            while open_continuation("\n".join(chunk)) and i + 1 < len(lines):
                i += 1
                chunk.append(lines[i])
            text = "\n".join(chunk)
            statements += split_statements(tokenize(text, snippet.line + start), chunk,
                                           snippet.line + start)
            i += 1
        return statements

    def check_snippet(self, snippet, file_ctx):
        ctx = Context(snippet.path, snippet.kind)
        ctx.produced = file_ctx.produced
        if snippet.kind == "inline":
            try:
                statements = split_statements(tokenize(snippet.text, snippet.line),
                                              [snippet.text], snippet.line)
            except ShellSyntaxError:
                return
            if len(statements) != 1 or not statements[0].commands:
                return
            words = statements[0].commands[0].words
            if len(words) < 2:
                return
            if not (self.inline_command_word(words[0]) and not is_option(words[1])) and not (
                    words[0].text in INLINE_LAUNCHERS
                    and any(self.inline_command_word(w) for w in words[1:])):
                return
            statements_to_check = statements
        else:
            if snippet.label and snippet.label not in SHELL_LABELS:
                return
            try:
                statements_to_check = self.statements_of(snippet)
            except ShellSyntaxError as e:
                if snippet.label:
                    self.report_problem(f"{snippet.path}:{snippet.line}: shell syntax: {e}")
                else:
                    self.output.append(f"skip  {snippet.path}:{snippet.line}  unlabelled block, "
                                       f"not shell syntax ({e})")
                return
            if not snippet.label:
                diagram = any(re.search(r"->|<-|=>|\+--|--\+|[─│┌┐└┘├┤]", l)
                              or re.match(r"^\s*\|", l) for l in snippet.text.split("\n"))
                looks = any(s.commands and s.commands[0].words and
                            self.command_word(s.commands[0].words[0])
                            for s in statements_to_check)
                if diagram or not looks:
                    why = "a diagram" if diagram and looks else "not commands"
                    self.output.append(f"skip  {snippet.path}:{snippet.line}  unlabelled block, "
                                       f"{why}")
                    return
        for statement in statements_to_check:
            ctx.problems = []
            for command in statement.commands:
                self.check_command(command.words, command.redirections, ctx)
            self.commands_checked += 1
            shown = statement.text if len(statement.text) <= 120 else statement.text[:117] + "..."
            if ctx.problems:
                for p in ctx.problems:
                    self.report_problem(p)
            else:
                self.output.append(f"ok  {snippet.path}:{statement.line}  {shown}")

    def report_problem(self, message):
        self.problems.append(message)
        self.output.append(message)

    def check_markdown(self, relpath, markdown):
        file_ctx = Context(relpath, "file")
        for snippet in extract_snippets(relpath, markdown):
            self.check_snippet(snippet, file_ctx)

    def prefetch_helps(self, texts):
        """Runs the --help of every program the texts name at once (each takes ~0.5 s to start)."""
        everything = "\n".join(texts)
        named = [p for p in sorted(self.project_programs())
                 if re.search(r"(?<![\w-])" + re.escape(p) + r"(?![\w-])", everything)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            jobs = [pool.submit(self.help_of, p) for p in named]
            if "moe_train" in named:
                jobs.append(pool.submit(self.config_reference))
            subs = [(p, job.result().subcommands) for p, job in zip(named, jobs)]
            for job in [pool.submit(self.help_of, p, sub) for p, names in subs for sub in names]:
                job.result()

    def check_repo(self):
        files = ["README.md"] + sorted(
            os.path.relpath(os.path.join(root, f), self.repo)
            for root, _, names in os.walk(os.path.join(self.repo, "docs"))
            for f in names if f.endswith(".md"))
        texts = {}
        for relpath in files:
            full = os.path.join(self.repo, relpath)
            if not os.path.isfile(full):
                self.report_problem(f"{relpath}: missing")
                continue
            with open(full, encoding="utf-8") as f:
                texts[relpath] = f.read()
        self.prefetch_helps(texts.values())
        for relpath, text in texts.items():
            self.check_markdown(relpath, text)
        return files


# --------------------------------------------------------------------------------------------
# Self-test on made-up snippets, a fake build and a fake repository
# --------------------------------------------------------------------------------------------

FAKE_PROGRAMS = {
    "moe_train": """#!/bin/sh
case "$1" in
  --config-reference) cat <<'EOF'
| Key | Type | Default | Allowed | Description |
|-----|------|---------|---------|-------------|
| `train.steps` | int | `300` | [1, 10] | Steps. |
| `data.manifest` | string | *required* | non-empty | Manifest. |
| `data.mixing` | choice | `proportional` | proportional, uniform | Mixing. |
EOF
  ;;
  *) cat <<'EOF'
usage: moe_train CONFIG.yaml [--set key=value ...]

Options:
  -h [ --help ]         show this help
  --set arg             override a key
  --print-config        print the configuration
EOF
  ;;
esac
""",
    "moe_prep": """#!/bin/sh
case "$1" in
  build) cat <<'EOF'
usage: moe_prep build --papers F --out DIR [options]
moe_prep build options:
  --papers arg          papers
  --out arg             output folder
  --cased               keep case
  -h [ --help ]         show this help
EOF
  ;;
  *) cat <<'EOF'
usage: moe_prep COMMAND [options]
commands:
  synth     generate
  build     assemble
EOF
  ;;
esac
""",
    "moe_eval": """#!/bin/sh
cat <<'EOF'
usage: moe_eval CHECKPOINT.h5 MANIFEST.json [--out DIR] [--format md|csv|json]

Options:
  -h [ --help ]          show this help
  -o [ --out ] arg       folder
  --format arg (=md)     stdout format
  --no-cross-domain      skip the cross-domain table
EOF
""",
    "bench_tool": """#!/bin/sh
echo "bench_tool: unknown option $1" >&2
exit 1
""",
}

FAKE_REPO_FILES = {
    "configs/quickstart.yaml": "run: {}\n",
    "bench/bench_tool.cpp": 'if (arg == "--repeat") {} else if (arg == "--cased") {}\n',
    "launch/run_local.sh": "#!/bin/sh\n# run_local.sh NP|auto PROGRAM [ARGS...]\n"
                           "exec mpirun -np \"$1\" \"$@\"\n",
    "slurm/train.sbatch": "#!/bin/bash\nconfig=$1\nshift\n"
                          "srun \"${args[@]}\" \"$MOE_BIN/moe_train\" \"$config\" \"$@\"\n",
    "slurm/prepare.sbatch": "#!/bin/bash\n\"$MOE_BIN/moe_prep\" build \"$@\"\n",
    "scripts/test.sh": "#!/bin/bash\ncd build\nctest --output-on-failure \"$@\"\n",
    "scripts/tool.sh": "#!/bin/bash\n# tool.sh [--fast]\n[[ $1 == --fast ]]\n",
    "scripts/quickstart.sh": "#!/bin/bash\nbash launch/quickstart.sh \"$@\"\n",
    "launch/quickstart.sh": "#!/bin/bash\nlaunch/run_local.sh 2 \"$bin/moe_train\" \\\n"
                            "  configs/quickstart.yaml \"$@\"\n",
    "tests/python/tool.py": "parser.add_argument('--self-test')\n",
    "CMakeLists.txt": "option(MOE_WITH_CUDA \"CUDA\" OFF)\n",
}

# (name, markdown, expected substrings of the problems; [] means it must pass)
SELF_TEST_CASES = [
    ("good commands", """
```sh
# a comment
build/bin/moe_prep build --papers papers.jsonl \\
    --out data/x --cased
launch/run_local.sh 2 build/bin/moe_train configs/quickstart.yaml --set train.steps=5
launch/run_local.sh auto build/bin/moe_train configs/quickstart.yaml  # a word the script knows
MOE_X=1 build/bin/moe_eval runs/q/best.h5 data/q/manifest.json -o out/eval | head
bash scripts/test.sh -R e2e && python3 tests/python/tool.py --self-test
sbatch --nodes=2 -t 1:00 slurm/train.sbatch configs/quickstart.yaml --set data.mixing=uniform
sbatch slurm/prepare.sbatch --papers p.jsonl --out data/prepared
bash scripts/quickstart.sh --set train.steps=3
bash scripts/tool.sh --fast
for n in 1 2; do /usr/bin/time -v build/bin/moe_train configs/quickstart.yaml \\
  --set train.steps=$n 2>&1 | grep step; done
build/bin/bench_tool --repeat 3 --cased
cmake -B build-cuda -DMOE_WITH_CUDA=ON
python3 -c "print(1)
print(2)"
cp configs/quickstart.yaml configs/mine.yaml
srun --mpi=list
build/bin/moe_train configs/mine.yaml --set data.manifest=DIR/manifest.json
```
""", []),
    ("placeholders and synopsis", """
```
build/bin/moe_eval CHECKPOINT MANIFEST.json [more manifests] \\
  [--out DIR] [--format md|csv|json] [--no-cross-domain]
```
Inline: `moe_eval <checkpoint> MANIFEST... [--format md|csv]` and `moe_prep COMMAND --help`;
`launch/run_local.sh NP|auto` and `mpiexec -np 1..4` are fragments.
""", []),
    ("transcript and non-command blocks", """
```
$ h5ls -r data/shards/x.h5 | head
/a                       Group
/b Dataset {3}
```

```
moe_prep synth --out corpus/
    -> corpus/papers.jsonl
```

```text
not_a_program --whatever
```

```json
{"a": 1}
```
""", []),
    ("bad option", """
```sh
build/bin/moe_eval ckpt.h5 m.json --fromat csv
```
""", ["moe_eval has no option --fromat", "did you mean --format?"]),
    ("bad subcommand option", "`moe_prep build --papers p --vocab v`\n",
     ["moe_prep build has no option --vocab"]),
    ("bad subcommand", "```sh\nbuild/bin/moe_prep biuld --out x\n```\n",
     ["moe_prep has no command 'biuld'"]),
    ("missing file", "```sh\nbuild/bin/moe_train configs/missing.yaml\n```\n",
     ["configs/missing.yaml: no such file in the repository"]),
    ("missing script", "```sh\nbash scripts/nope.sh\n```\n",
     ["scripts/nope.sh: no such script"]),
    ("unknown program", "```bash\nbuild/bin/moe_prep build --out x\nmoe-prep build\n```\n",
     ["unknown program 'moe-prep'"]),
    ("unknown program in an unlabelled block",
     "```\nbuild/bin/moe_train configs/quickstart.yaml\nh5lss x\n```\n",
     ["unknown program 'h5lss'"]),
    ("program not built", "```sh\nbuild/bin/moe_nope --help\n```\n",
     ["build/bin/moe_nope: no such program"]),
    ("bare program in a block", "```sh\nmoe_train configs/quickstart.yaml\n```\n",
     ["moe_train is not on PATH"]),
    ("bad --set key",
     "```sh\nbuild/bin/moe_train configs/quickstart.yaml --set train.stpes=3\n```\n",
     ["no configuration key 'train.stpes'", "did you mean train.steps?"]),
    ("bad --set choice",
     "```sh\nbuild/bin/moe_train configs/quickstart.yaml --set data.mixing=random\n```\n",
     ["'random' is not a value of data.mixing"]),
    ("bad option through a script", """
```sh
sbatch slurm/train.sbatch configs/quickstart.yaml --set train.stpes=1 --bogus
bash scripts/quickstart.sh --sett x
bash scripts/tool.sh --slow
```
""", ["no configuration key 'train.stpes'",
      "slurm/train.sbatch passes its arguments to moe_train, which has no option --bogus",
      "scripts/quickstart.sh passes its arguments to moe_train, which has no option --sett",
      "scripts/tool.sh has no option --slow"]),
    ("placeholder as option or program", "```sh\nbuild/bin/moe_eval x.h5 --OPTION 1\nCMD x\n```\n",
     ["moe_eval has no option --OPTION", "'CMD' is a placeholder where a program is expected"]),
    ("bench program without --help", "```sh\nbuild/bin/bench_tool --repeat 3 --fast\n```\n",
     ["bench_tool has no option --fast"]),
    ("cmake option", "```sh\ncmake -B build -DMOE_WITH=ON\n```\n",
     ["cmake option MOE_WITH is not defined"]),
    ("inside $( )", "```sh\njob=$(sbatch --parsable slurm/train.sbatch x.yaml)\n```\n",
     ["x.yaml: no such file in the repository"]),
    ("inline launcher",
     "Run `sbatch slurm/train.sbatch CONFIG.yaml --sett 1`, not `mpiexec -np 2`.",
     ["slurm/train.sbatch passes its arguments to moe_train, which has no option --sett"]),
    ("bad rank count",
     "```sh\nlaunch/run_local.sh two build/bin/moe_train configs/quickstart.yaml\n```\n",
     ["launch/run_local.sh: 'two' is not a number of ranks"]),
    ("not executable", "```sh\nscripts/tool.sh --fast\n```\n",
     ["scripts/tool.sh is not executable"]),
    ("line numbers", "text\n\n```sh\nbuild/bin/moe_eval a.h5 \\\n  m.json \\\n  --bad\n```\n",
     ["doc.md:6: moe_eval has no option --bad"]),
]


def self_test():
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        repo, build = os.path.join(tmp, "repo"), os.path.join(tmp, "build")
        os.makedirs(os.path.join(build, "bin"))
        for name, script in FAKE_PROGRAMS.items():
            path = os.path.join(build, "bin", name)
            with open(path, "w") as f:
                f.write(script)
            os.chmod(path, 0o755)
        for rel, text in FAKE_REPO_FILES.items():
            path = os.path.join(repo, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            if rel.endswith((".sh", ".sbatch")) and rel != "scripts/tool.sh":
                os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
        checker = DocChecker(repo, build, "build")
        for name, markdown, expected in SELF_TEST_CASES:
            checker.problems, checker.output = [], []
            checker.check_markdown("doc.md", markdown)
            problems = checker.problems
            if not expected and problems:
                failures.append(f"{name}: expected no problem, got: {problems}")
            for substring in expected:
                if not any(substring in p for p in problems):
                    failures.append(f"{name}: expected a problem containing {substring!r}, "
                                    f"got: {problems}")
            unexpected = [p for p in problems if not any(e in p for e in expected)]
            if expected and unexpected:
                failures.append(f"{name}: unexpected problem(s): {unexpected}")
            if name == "good commands":
                checked = sum(1 for line in checker.output if line.startswith("ok  "))
                if checked != 16:
                    failures.append(f"{name}: expected 16 ok lines, got {checked}: "
                                    f"{checker.output}")
            if name == "transcript and non-command blocks":
                skips = [line for line in checker.output if line.startswith("skip")]
                oks = [line for line in checker.output if line.startswith("ok")]
                if len(skips) != 1 or len(oks) != 1 or "h5ls" not in oks[0]:
                    failures.append(f"{name}: expected 1 ok (h5ls) and 1 skip, got "
                                    f"{checker.output}")
    for failure in failures:
        print("FAIL", failure)
    print(f"self-test: {len(SELF_TEST_CASES)} cases, {len(failures)} failure(s)")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", nargs="?", help="repository root (holds README.md and docs/)")
    parser.add_argument("build", nargs="?", help="build folder (holds bin/)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the checker on made-up snippets (needs no build)")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not args.repo or not args.build:
        parser.print_usage(sys.stderr)
        return 2
    if not os.path.isfile(os.path.join(args.repo, "README.md")):
        print(f"error: {args.repo} has no README.md: pass the repository root", file=sys.stderr)
        return 2
    if not os.path.isdir(os.path.join(args.build, "bin")):
        print(f"error: {args.build}/bin is not a folder: pass the build folder", file=sys.stderr)
        return 2
    started = time.monotonic()
    checker = DocChecker(args.repo, args.build)
    files = checker.check_repo()
    for line in checker.output:
        print(line)
    print(f"{checker.commands_checked} commands checked in {len(files)} files, "
          f"{len(checker.problems)} problem(s), {time.monotonic() - started:.1f} s")
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main())
