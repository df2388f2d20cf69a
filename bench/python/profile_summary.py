#!/usr/bin/env python3
"""Tabulates a LibTorch operator trace (moe_bench --profile FILE) by self time.

  python3 bench/python/profile_summary.py FILE [--steps N] [--top K]

The trace is Chrome trace JSON (complete "X" events with start and duration in
microseconds). An operator's self time is its duration less that of the operators it
called (events nested inside it on the same thread). Prints the K operators with the most
self time: milliseconds per step (with --steps, the number of timed steps traced), share
of the traced time and calls per step.
"""
import argparse
import collections
import json
import sys


def self_times(events):
    """{name: [self microseconds, calls]} over events nested by time on each thread."""
    totals = collections.defaultdict(lambda: [0.0, 0])
    by_thread = collections.defaultdict(list)
    for event in events:
        if event.get("ph") == "X":
            by_thread[event.get("tid")].append(event)
    traced = 0.0
    for thread_events in by_thread.values():
        # Parents first: earlier start, and at a tie the longer event.
        thread_events.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, name, child time]
        for event in thread_events:
            start, duration = float(event["ts"]), float(event["dur"])
            while stack and stack[-1][0] <= start:
                close(stack.pop(), stack, totals)
            if not stack:
                traced += duration
            stack.append([start + duration, event["name"], 0.0, duration])
        while stack:
            close(stack.pop(), stack, totals)
    return totals, traced


def close(frame, stack, totals):
    end, name, children, duration = frame
    entry = totals[name]
    entry[0] += max(0.0, duration - children)
    entry[1] += 1
    if stack:
        stack[-1][2] += duration


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("--steps", type=int, default=1, help="timed steps in the trace")
    parser.add_argument("--top", type=int, default=20, help="operators to list")
    args = parser.parse_args()
    try:
        with open(args.trace, encoding="utf-8") as handle:
            events = json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        sys.exit(f"profile_summary: cannot read {args.trace}: {error}")
    if isinstance(events, dict):
        events = events.get("traceEvents", [])
    totals, traced = self_times(events)
    if traced <= 0:
        sys.exit(f"profile_summary: {args.trace} holds no timed operator events")
    steps = max(1, args.steps)
    print(f"traced {traced / 1000.0 / steps:.1f} ms/step over {steps} step(s)")
    print(f"{'operator':<44} {'ms/step':>9} {'share':>7} {'calls/step':>11}")
    ranked = sorted(totals.items(), key=lambda item: -item[1][0])
    for name, (micros, calls) in ranked[: args.top]:
        print(f"{name[:44]:<44} {micros / 1000.0 / steps:9.1f} {100.0 * micros / traced:6.1f}% "
              f"{calls / steps:11.1f}")


if __name__ == "__main__":
    main()
