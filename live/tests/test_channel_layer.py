"""The pubsub channel layer decodes a group message once per process."""

from live.channel_layer import SharedDecodePubSubChannelLayer


def test_the_same_received_bytes_decode_to_one_shared_message() -> None:
    layer = SharedDecodePubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    first = layer.serialize({"type": "board.event", "seq": 1})
    second = layer.serialize({"type": "board.event", "seq": 2})

    one, again, other = layer.deserialize(first), layer.deserialize(first), layer.deserialize(second)

    assert one is again
    assert one == {"type": "board.event", "seq": 1}
    assert other == {"type": "board.event", "seq": 2}


def test_only_recent_messages_are_kept() -> None:
    layer = SharedDecodePubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])
    messages = [layer.serialize({"type": "x", "n": n}) for n in range(40)]

    decoded = [layer.deserialize(message) for message in messages]

    assert [message["n"] for message in decoded] == list(range(40))
    assert len(layer._decoded) == 16
    assert layer.deserialize(messages[0]) is not decoded[0]
