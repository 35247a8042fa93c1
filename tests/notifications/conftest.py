from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.notifications.receivers import Mailbox, sms_provider, smtp_server
from tests.notifications.support import Channels, Clock


@pytest.fixture
async def mailbox_and_channels() -> AsyncIterator[tuple[Mailbox, Channels]]:
    with smtp_server() as (mailbox, port):
        async with sms_provider() as sms:
            channels = Channels(port, sms)
            yield mailbox, channels
            for worker in channels.made:
                await worker.stop()


@pytest.fixture
def mailbox(mailbox_and_channels: tuple[Mailbox, Channels]) -> Mailbox:
    return mailbox_and_channels[0]


@pytest.fixture
def channels(mailbox_and_channels: tuple[Mailbox, Channels]) -> Channels:
    return mailbox_and_channels[1]


@pytest.fixture
def clock() -> Clock:
    return Clock()
