"""One router process sending N requests (used by the two-process test): `python load_worker.py TOML DB N TAG`."""

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from router_core.config import load_config  # noqa: E402
from router_core.router import Router  # noqa: E402


async def main(config_path: str, database_url: str, n: int, tag: str) -> None:
    async with Router(load_config(config_path, {"DATABASE_URL": database_url, "ROUTER_DOTENV": ""})) as router:
        sem = asyncio.Semaphore(20)

        async def one(i: int) -> None:
            async with sem:
                await router.acomplete(f"{tag} request {i}: what is {i} plus one?", use_cache=False)

        await asyncio.gather(*(one(i) for i in range(n)))
        assert router.flush_unlogged() == 0


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
