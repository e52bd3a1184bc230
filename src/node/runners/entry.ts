// What runs first inside a task's container (docker or a Kubernetes Job): a fixed POSIX shell
// script, the same text for every task, handed to `sh -c` as one argv element. Everything that
// varies arrives as environment variables (by name, from Ralph's environment) or files; the
// agent's own argv follows the script as "$@", so no task text ever becomes shell code.
//
//   RALPH_CODE=mounted  the task's worktree is mounted at its own path: work there.
//   RALPH_CODE=bundle   nothing is shared: clone /ralph/in/work.bundle (branch RALPH_BRANCH) at
//                       RALPH_WORKSPACE, and afterwards commit what the agent changed and write
//                       the commits since RALPH_BASE to /ralph/out/work.bundle, the progress note
//                       (RALPH_PROGRESS_FILE) to /ralph/out/progress.md.
//   RALPH_WAIT_INPUT=1  (Kubernetes) wait for /ralph/in/ready before starting, and after the work
//                       for /ralph/out/taken, so Ralph can copy files in and out of the pod.
//
// Then the agent runs with the prompt on stdin when RALPH_PROMPT_STDIN=1 (a pod has no stdin of
// Ralph's: with RALPH_WAIT_INPUT=1 it is read from RALPH_PROMPT_FILE, copied in at its own
// path); its exit code is the container's. After an exit 0, the task's Verify (RALPH_VERIFY_COMMAND, the author's shell text,
// as `sh -c` of its own) runs in the same place: /ralph/out/verify.log and verify-exit. A missing
// agent command is written to /ralph/out/missing (exit 127), so Ralph can say what to install.

export const ENTRY_SCRIPT = `set -u
out=/ralph/out
mkdir -p "$out" /ralph/in
if [ "\${RALPH_WAIT_INPUT:-}" = 1 ]; then
  while [ ! -e /ralph/in/ready ]; do sleep 0.2; done
fi
ws="\${RALPH_WORKSPACE:-$PWD}"
if [ "\${RALPH_CODE:-mounted}" = bundle ]; then
  mkdir -p "$ws" || { echo "ralph: cannot make the workspace $ws" >&2; exit 96; }
  git clone -q --branch "$RALPH_BRANCH" /ralph/in/work.bundle "$ws" </dev/null || { echo "ralph: cannot clone the task's code from its git bundle" >&2; exit 96; }
fi
cd "$ws" || exit 96
if ! command -v "$1" >/dev/null 2>&1; then
  printf '%s\\n' "$1" > "$out/missing"
  echo "ralph: $1 is not installed in this image" >&2
  code=127
else
  if [ "\${RALPH_PROMPT_STDIN:-}" != 1 ]; then "$@" </dev/null
  elif [ "\${RALPH_WAIT_INPUT:-}" = 1 ]; then "$@" < "$RALPH_PROMPT_FILE"
  else "$@"; fi
  code=$?
fi
echo "$code" > "$out/agent-exit"
if [ "$code" = 0 ] && [ -n "\${RALPH_VERIFY_COMMAND:-}" ]; then
  sh -c "$RALPH_VERIFY_COMMAND" > "$out/verify.log" 2>&1 </dev/null
  echo "$?" > "$out/verify-exit"
fi
if [ "\${RALPH_CODE:-mounted}" = bundle ]; then
  if [ -n "\${RALPH_PROGRESS_FILE:-}" ] && [ -f "$RALPH_PROGRESS_FILE" ]; then
    mv "$RALPH_PROGRESS_FILE" "$out/progress.md"
  fi
  git add -A </dev/null && { git diff --cached --quiet </dev/null || git commit -q --no-verify -m "ralph: work of task \${RALPH_TASK_ID:-?}" </dev/null; }
  if [ "$(git rev-parse HEAD)" != "$RALPH_BASE" ]; then
    git bundle create -q "$out/work.bundle" "$RALPH_BASE..$RALPH_BRANCH" </dev/null 2>"$out/bundle.err" || echo "ralph: cannot bundle the work" >&2
  fi
fi
if [ "\${RALPH_WAIT_INPUT:-}" = 1 ]; then
  touch "$out/done"
  n=0; while [ ! -e "$out/taken" ] && [ "$n" -lt 3000 ]; do sleep 0.2; n=$((n+1)); done
fi
exit "$code"
`;
