#!/bin/sh
# A task for the run benchmark: sleeps for its task's duration, read from "ID SECONDS" lines in
# $BENCH_DURATIONS. A shell and sleep(1) cost next to no CPU, so the makespan measures scheduling,
# not two cores fighting over process start-ups. Ralph and make run this same script.
id="${RALPH_TASK_ID:-$1}"
while read -r name secs; do
  if [ "$name" = "$id" ]; then exec sleep "$secs"; fi
done < "$BENCH_DURATIONS"
