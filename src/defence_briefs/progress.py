"""Progress of a build: a live bar on a terminal (tqdm), plain log lines elsewhere (CI logs stay readable).

On a terminal the bar shows the stage, done/total, the countries in flight and the elapsed time; messages
print above it. Off a terminal only messages print (stage summaries, failures), no bar redraws.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Reports a build's messages and, per stage, how many of its items are done."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None, verbose: bool = False):
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.verbose = verbose
        self.started = time.perf_counter()
        self._bar = None
        self._in_flight: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        self.say(message)

    def say(self, message: str) -> None:
        """Print a message (above the bar when there is one)."""
        with self._lock:
            if self._bar is not None:
                self._bar.write(message, file=self.stream)
            else:
                print(message, file=self.stream, flush=True)

    def detail(self, message: str) -> None:
        """A per-item message: printed with --verbose, else only shown on the live bar."""
        if self.verbose:
            self.say(message)

    def begin(self, stage: str, total: int) -> None:
        """Start counting a stage of `total` items."""
        with self._lock:
            self._close_bar()
            self._in_flight = []
            if self.live and total:
                from tqdm import tqdm

                self._bar = tqdm(total=total, desc=stage, file=self.stream, unit="brief", dynamic_ncols=True,
                                 bar_format="{desc}: {n_fmt}/{total_fmt} |{bar}| {elapsed} {postfix}")

    def start_item(self, name: str) -> None:
        with self._lock:
            self._in_flight.append(name)
            self._show_flight()

    def finish_item(self, name: str) -> None:
        with self._lock:
            if name in self._in_flight:
                self._in_flight.remove(name)
            if self._bar is not None:
                self._bar.update(1)
                self._show_flight()

    def _show_flight(self) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str("running " + ", ".join(self._in_flight[:6]) if self._in_flight else "")

    def end(self) -> None:
        with self._lock:
            self._close_bar()

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started
