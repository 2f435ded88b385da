"""The channel layer of the ASGI processes (settings: CHANNEL_LAYER=pubsub, the default).

RedisPubSubChannelLayer receives a group message once per process and queues the same bytes
for each of the process's sockets in the group, but then every socket decodes them again:
on a board with 1,000 viewers, 1,000 msgpack decodes of one event. This layer decodes each
message once and hands every socket the same dict (consumers only read messages), which
also lets BoardConsumer encode the JSON frame once. Per socket and event that saves a
decode (about 7 µs) and an encode (about 15 µs) out of roughly 100 µs of CPU per delivery
(docs/benchmarks.md, "WebSocket fan-out").
"""

from collections import OrderedDict
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer

# Messages arriving while sockets still read earlier ones: a few suffice.
_RECENT = 16


class SharedDecodePubSubChannelLayer(RedisPubSubChannelLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(bytes) -> (the bytes, kept so the id can't be reused; the decoded message)
        self._decoded: OrderedDict[int, tuple[bytes, dict[str, Any]]] = OrderedDict()

    def deserialize(self, message: bytes) -> dict[str, Any]:
        cached = self._decoded.get(id(message))
        if cached is not None and cached[0] is message:
            return cached[1]
        decoded: dict[str, Any] = super().deserialize(message)
        self._decoded[id(message)] = (message, decoded)
        if len(self._decoded) > _RECENT:
            self._decoded.popitem(last=False)
        return decoded
