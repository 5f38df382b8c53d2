#!/usr/bin/env python3
"""The layers_checker_catches test: check_layers.py finds a planted upward include and a planted FLOPWALL_HAVE_CUDA.

    checker_catches.py SCRATCH_PARENT

Copies the CMakeLists files and the floors' sources (nothing else) into a
fresh directory under SCRATCH_PARENT (the build directory), checks that the
checker says the same of the copy as of the tree, plants

    src/model/plan.hpp           #include "runtime/runner.hpp"   (model may not see runtime)
    src/cli/version_command.cpp  #if FLOPWALL_HAVE_CUDA          (only the backends table may)

and checks that the checker then exits 1 and names exactly those two lines,
each with its rule. The copy is removed at the end, pass or fail.
Python 3 standard library only.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.realpath(__file__))
sys.dont_write_bytecode = True  # nothing lands in the source tree
sys.path.insert(0, HERE)
import check_layers  # noqa: E402

CHECKER = os.path.join(HERE, "check_layers.py")
UPWARD = ("src/model/plan.hpp", '#include "runtime/runner.hpp"\n')
CUDA = ("src/cli/version_command.cpp", "#if FLOPWALL_HAVE_CUDA\n#endif\n")


def run_checker(root):
    done = subprocess.run([sys.executable, CHECKER, "--root", root], capture_output=True, text=True)
    return done.returncode, done.stdout.splitlines(), done.stderr


def copy_tree(project, scratch):
    """The CMakeLists files, every floor's sources and the binary's: what the checker reads."""
    wanted = set(project.cmakelists) | set(project.binary_sources)
    wanted |= {rel for rel, _ in check_layers.module_files(project)}
    for rel in sorted(wanted):
        src = os.path.join(project.root, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(scratch, rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(scratch, rel))
    return len(wanted)


def plant(scratch, rel, text):
    """Appends `text` after the file's last #include (or at its top); the line number of the plant."""
    path = os.path.join(scratch, rel)
    if not os.path.isfile(path):
        raise SystemExit(f"checker_catches: {rel} is gone from the tree; plant into another file of that floor")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    at = max((i + 1 for i, ln in enumerate(lines) if ln.lstrip().startswith("#include")), default=0)
    lines[at:at] = [text]
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)
    return at + 1


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    project = check_layers.load_project(check_layers.DEFAULT_ROOT)
    real_rc, real_out, _ = run_checker(project.root)
    scratch = tempfile.mkdtemp(prefix="layers-scratch.", dir=argv[1])
    failures = []
    try:
        files = copy_tree(project, scratch)
        rc, clean_out, err = run_checker(scratch)
        if (rc, clean_out) != (real_rc, real_out):
            failures.append("the copy does not check like the tree (an incomplete copy?):\n  tree: "
                            + "\n        ".join(real_out) + "\n  copy: " + "\n        ".join(clean_out) + err)
        up_line = plant(scratch, *UPWARD)
        cuda_line = plant(scratch, *CUDA)
        rc, out, err = run_checker(scratch)
        new = [ln for ln in out if ln not in clean_out and not ln.startswith("check_layers:")]
        print(f"checker on a copy of {files} files, with two plants: exit code {rc}")
        print("\n".join("  " + ln for ln in out))
        if err:
            print(err, end="")
        if rc != 1:
            failures.append(f"the checker exited {rc}, not 1")
        model = project.module("model")
        allowed = check_layers.may_include_text(project, model)
        expected = [f'{UPWARD[0]}:{up_line}: model includes "runtime/runner.hpp", but {allowed}',
                    f"{CUDA[0]}:{cuda_line}: cli uses FLOPWALL_HAVE_CUDA, allowed only in "
                    f"{check_layers.BACKENDS_TABLE}"]
        for want in expected:
            if not any(ln.startswith(want) for ln in new):
                failures.append(f"no line starting '{want}'")
        if len(new) != len(expected):
            failures.append(f"{len(new)} new violations, expected {len(expected)}: " + "; ".join(new))
        if not any(ln.startswith("check_layers:") for ln in out):
            failures.append("no summary line")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for f in failures:
        print("FAIL", f)
    if not failures:
        print("checker_catches: the checker refused both plants, and named each")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
