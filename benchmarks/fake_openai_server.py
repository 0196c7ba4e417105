"""An instant OpenAI-compatible server for benchmarks: raw asyncio, keep-alive, one fixed answer.

Run as its own process: `python benchmarks/fake_openai_server.py PORT [ANSWER [DELAY_MS]]` (ANSWER: the
assistant's text, "OK." by default; DELAY_MS: how long each answer takes, 0 by default).
"""

from __future__ import annotations

import asyncio
import json
import sys


def completion(text: str) -> bytes:
    return json.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion", "model": "bench-model",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14},
    }).encode()


BODY = completion(sys.argv[2] if __name__ == "__main__" and len(sys.argv) > 2 else "OK.")
DELAY_S = float(sys.argv[3]) / 1000 if __name__ == "__main__" and len(sys.argv) > 3 else 0.0
MODELS = json.dumps({"object": "list", "data": [{"id": "bench-model", "object": "model"}]}).encode()


def response(body: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            b"Connection: keep-alive\r\n\r\n%s" % (len(body), body))


class Http(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buffer) < head_end + 4 + length:
                return
            self.buffer = self.buffer[head_end + 4 + length:]
            data = response(MODELS if head.startswith("GET") else BODY)
            if DELAY_S:
                asyncio.get_running_loop().call_later(DELAY_S, self._write, data)
            else:
                self.transport.write(data)

    def _write(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(data)


async def main(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Http, "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
