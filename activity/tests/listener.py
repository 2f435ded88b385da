"""A test's seat in a board's channel-layer group, whatever the layer.

RedisPubSubChannelLayer only lets a channel made by its own event loop join a group, and
delivers to that loop only; so the listener keeps one loop running in a thread, makes its
channel there, joins there and receives there. It leaves and closes its connections when
it is garbage-collected (at the end of the test that made it).
"""

import asyncio
import contextlib
import threading
import weakref
from typing import Any

from channels.layers import get_channel_layer

from live.publishing import board_group


class GroupListener:
    def __init__(self, board_id: int) -> None:
        self.layer = get_channel_layer()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.channel: str = self._run(self.layer.new_channel())
        self._run(self.layer.group_add(board_group(board_id), self.channel))
        weakref.finalize(
            self, _close, self.layer, self.loop, self.thread, board_group(board_id), self.channel
        )

    def _run(self, coroutine: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def receive(self, timeout: float = 10) -> dict[str, Any]:
        message: dict[str, Any] = self._run(asyncio.wait_for(self.layer.receive(self.channel), timeout))
        return message


def _close(
    layer: Any, loop: asyncio.AbstractEventLoop, thread: threading.Thread, group: str, channel: str
) -> None:
    with contextlib.suppress(Exception):
        asyncio.run_coroutine_threadsafe(layer.group_discard(group, channel), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    # The layers hook loop.close() to close that loop's Redis connections.
    with contextlib.suppress(Exception):
        loop.close()
