"""The billing commands: products, levels, admin, energy and orders, run against a
migrated data directory and checked in its database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select, update

from tests.billing.energy import energy_of, ledger_rows, make_member
from tests.conftest import create_user
from vidswap.accounts.models import User
from vidswap.billing import orders
from vidswap.billing.defaults import DEFAULT_LEVELS, DEFAULT_PRODUCTS, PRO
from vidswap.billing.models import EnergyEntry, MemberLevel, Order, Product
from vidswap.cli import main
from vidswap.kit.settings import Settings
from vidswap.runtime import Runtime


def invoke(settings: Settings, *args: str) -> Result:
    """Run ``vidswap ARGS`` in this process on the data directory and database of ``settings``."""
    env = {"VIDSWAP_DATA_DIR": str(settings.data_dir), "VIDSWAP_LOCALE": "en"}
    if settings.database_url:
        env["VIDSWAP_DATABASE_URL"] = settings.database_url
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


async def invoke_async(settings: Settings, *args: str) -> Result:
    """``invoke`` from a test that runs in an event loop: the command runs its own."""
    return await asyncio.to_thread(invoke, settings, *args)


async def product(runtime: Runtime, product_id: str) -> Product | None:
    async with runtime.sessionmaker() as session:
        return await session.get(Product, product_id)


async def user_row(runtime: Runtime, user_id: str) -> User:
    async with runtime.sessionmaker() as session:
        found = await session.get(User, user_id)
    assert found is not None
    return found


ADD_ENERGY_PACK = (
    "products",
    "add",
    "energy_1000",
    "--name-en",
    "1000 Energy",
    "--name-zh",
    "1000 能量包",
    "--price",
    "3500",
    "--currency",
    "cny",
    "--energy",
    "1000",
    "--feature-en",
    "Never expires",
    "--feature-en",
    "Any plan",
    "--feature-zh",
    "永不过期",
)


async def test_products_add_stores_product(settings: Settings, runtime: Runtime) -> None:
    result = await invoke_async(settings, *ADD_ENERGY_PACK)

    assert result.exit_code == 0, result.output
    assert "Saved product energy_1000: 3500 CNY" in result.stdout
    stored = await product(runtime, "energy_1000")
    assert stored is not None
    assert stored.names == {"en": "1000 Energy", "zh-CN": "1000 能量包"}
    assert stored.features == {"en": ["Never expires", "Any plan"], "zh-CN": ["永不过期"]}
    assert stored.descriptions == {"en": "", "zh-CN": ""}
    assert stored.price == 3500
    assert stored.currency == "CNY"
    assert stored.energy == 1000
    assert stored.energy_valid_days is None
    assert stored.duration_days == 0
    assert stored.member_level == 0
    assert stored.active is True


async def test_products_add_membership_plan(settings: Settings, runtime: Runtime) -> None:
    args = ["products", "add", "pro_quarterly", "--name-en", "Pro quarterly"]
    args += ["--name-zh", "专业版季度会员", "--price", "7800", "--currency", "CNY"]
    args += ["--days", "90", "--level", "1", "--energy", "1800", "--energy-valid-days", "90"]
    args += ["--description-en", "Pro for 90 days", "--description-zh", "90 天专业版"]

    result = await invoke_async(settings, *args)

    assert result.exit_code == 0, result.output
    stored = await product(runtime, "pro_quarterly")
    assert stored is not None
    assert stored.duration_days == 90
    assert stored.member_level == PRO
    assert stored.energy_valid_days == 90
    assert stored.descriptions == {"en": "Pro for 90 days", "zh-CN": "90 天专业版"}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("--price", "-5"), "-5"),
        (("--price", "0"), "price"),
        (("--currency", "yuan"), "YUAN"),
        (("--level", "7"), "level 7"),
        (("--energy", "-1"), "energy"),
    ],
)
async def test_products_add_bad_value_exits_2(
    settings: Settings, runtime: Runtime, change: tuple[str, str], named: str
) -> None:
    args = list(ADD_ENERGY_PACK)
    option = args.index(change[0]) if change[0] in args else len(args)
    args[option : option + 2] = list(change)

    result = await invoke_async(settings, *args)

    assert result.exit_code == 2
    assert named in result.stderr
    assert "Traceback" not in result.output
    assert await product(runtime, "energy_1000") is None


async def test_products_add_existing_id_exits_2(settings: Settings, runtime: Runtime) -> None:
    args = ["products", "add", "pro_monthly", "--name-en", "Copy", "--name-zh", "副本"]
    args += ["--price", "1", "--currency", "CNY"]

    result = await invoke_async(settings, *args)

    assert result.exit_code == 2
    assert "pro_monthly exists already" in result.stderr
    stored = await product(runtime, "pro_monthly")
    assert stored is not None
    assert stored.price == 2800


async def test_products_update_changes_given(settings: Settings, runtime: Runtime) -> None:
    args = ["products", "update", "pro_monthly", "--price", "2500", "--name-en", "Pro month"]

    result = await invoke_async(settings, *args)

    assert result.exit_code == 0, result.output
    stored = await product(runtime, "pro_monthly")
    assert stored is not None
    assert stored.price == 2500
    assert stored.names == {"en": "Pro month", "zh-CN": "专业版月度会员"}
    assert stored.energy == 600
    assert stored.duration_days == 30
    assert stored.active is True


async def test_products_update_inactive_then_active(settings: Settings, runtime: Runtime) -> None:
    first = await invoke_async(settings, "products", "update", "energy_300", "--inactive")
    assert first.exit_code == 0, first.output
    stored = await product(runtime, "energy_300")
    assert stored is not None
    assert stored.active is False

    second = await invoke_async(settings, "products", "update", "energy_300", "--active")
    assert second.exit_code == 0, second.output
    stored = await product(runtime, "energy_300")
    assert stored is not None
    assert stored.active is True


async def test_products_update_unknown_exits_2(settings: Settings, runtime: Runtime) -> None:
    result = await invoke_async(settings, "products", "update", "pro_weekly", "--price", "900")

    assert result.exit_code == 2
    assert "pro_weekly" in result.stderr


async def test_products_update_negative_price_exits_2(settings: Settings, runtime: Runtime) -> None:
    result = await invoke_async(settings, "products", "update", "pro_monthly", "--price", "-1")

    assert result.exit_code == 2
    assert "Invalid price -1 for product pro_monthly" in result.stderr
    stored = await product(runtime, "pro_monthly")
    assert stored is not None
    assert stored.price == 2800


async def test_products_deactivate_hides_product(settings: Settings, runtime: Runtime) -> None:
    result = await invoke_async(settings, "products", "deactivate", "pro_yearly")

    assert result.exit_code == 0, result.output
    assert "not on sale" in result.stdout
    stored = await product(runtime, "pro_yearly")
    assert stored is not None
    assert stored.active is False
    listed = await invoke_async(settings, "products", "list", "--json")
    assert [item["id"] for item in json.loads(listed.stdout)] == ["pro_monthly", "energy_300"]
    everything = await invoke_async(settings, "products", "list", "--all", "--json")
    ids = {item["id"] for item in json.loads(everything.stdout)}
    assert ids == {"pro_monthly", "pro_yearly", "energy_300"}


async def test_products_deactivate_unknown_exits_2(settings: Settings, runtime: Runtime) -> None:
    result = await invoke_async(settings, "products", "deactivate", "gift_card")

    assert result.exit_code == 2
    assert "gift_card" in result.stderr


def test_products_list_json_matches_seed(settings: Settings) -> None:
    result = invoke(settings, "products", "list", "--json")

    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [item["id"] for item in items] == [row["id"] for row in DEFAULT_PRODUCTS]
    assert [item["price"] for item in items] == [2800, 26800, 1200]
    assert items[0]["names"] == {"en": "Pro monthly", "zh-CN": "专业版月度会员"}


def test_products_list_table(settings: Settings) -> None:
    result = invoke(settings, "products", "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    monthly = next(line for line in lines if "pro_monthly" in line)
    assert "专业版月度会员" in monthly
    assert "2800" in monthly
    assert "CNY" in monthly
    pack = next(line for line in lines if "energy_300" in line)
    assert "never expires" in pack


def test_levels_list_json_matches_seed(settings: Settings) -> None:
    result = invoke(settings, "levels", "list", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == DEFAULT_LEVELS


def test_levels_list_table(settings: Settings) -> None:
    result = invoke(settings, "levels", "list")

    assert result.exit_code == 0, result.output
    pro = next(line for line in result.stdout.splitlines() if "专业版" in line)
    assert "1080p" in pro
    assert "600" in pro


async def test_levels_set_changes_one_benefit(settings: Settings, runtime: Runtime) -> None:
    result = await invoke_async(
        settings, "levels", "set", "1", "--max-video-seconds", "900", "--name-zh", "专业会员"
    )

    assert result.exit_code == 0, result.output
    assert "Saved member level 1 (Pro)" in result.stdout
    async with runtime.sessionmaker() as session:
        level = await session.get(MemberLevel, PRO)
    assert level is not None
    assert level.max_video_seconds == 900
    assert level.names == {"en": "Pro", "zh-CN": "专业会员"}
    assert level.max_resolution == 1080
    assert level.priority == 10
    assert level.label_removal is True


async def test_levels_set_defines_new_level(settings: Settings, runtime: Runtime) -> None:
    args = ["levels", "set", "2", "--name-en", "Studio", "--name-zh", "工作室版"]
    args += ["--max-video-seconds", "3600", "--max-resolution", "2160"]
    args += ["--concurrent-tasks", "10", "--daily-tasks", "1000", "--priority", "20"]
    args += ["--label-removal", "--retention-days", "90"]

    result = await invoke_async(settings, *args)

    assert result.exit_code == 0, result.output
    async with runtime.sessionmaker() as session:
        level = await session.get(MemberLevel, 2)
    assert level is not None
    assert level.names == {"en": "Studio", "zh-CN": "工作室版"}
    assert level.max_video_seconds == 3600
    assert level.max_resolution == 2160
    assert level.concurrent_tasks == 10
    assert level.daily_tasks == 1000
    assert level.priority == 20
    assert level.label_removal is True
    assert level.retention_days == 90


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("2", "--name-en", "Studio", "--name-zh", "工作室版"), "max_video_seconds"),
        (("1", "--max-resolution", "100"), "Invalid max_resolution 100 for member level 1"),
        (("1", "--priority", "101"), "priority 101"),
        (("101", "--priority", "1"), "101"),
    ],
)
async def test_levels_set_bad_value_exits_2(
    settings: Settings, runtime: Runtime, args: tuple[str, ...], named: str
) -> None:
    result = await invoke_async(settings, "levels", "set", *args)

    assert result.exit_code == 2
    assert named in result.output
    async with runtime.sessionmaker() as session:
        ranks = list(await session.scalars(select(MemberLevel.rank).order_by(MemberLevel.rank)))
        pro = await session.get(MemberLevel, PRO)
    assert ranks == [0, 1]
    assert pro is not None
    assert pro.max_resolution == 1080
    assert pro.priority == 10


@pytest.mark.parametrize("by", ["email", "phone", "id"])
async def test_admin_grant_and_revoke(settings: Settings, runtime: Runtime, by: str) -> None:
    user = await create_user(runtime, email="ops@example.com", phone="+8613800138000")
    account = {"email": "OPS@example.com", "phone": "13800138000", "id": user.id}[by]

    granted = await invoke_async(settings, "admin", "grant", account)

    assert granted.exit_code == 0, granted.output
    assert f"User {user.id} ({account}) is now an administrator." in granted.stdout
    assert (await user_row(runtime, user.id)).is_admin is True

    revoked = await invoke_async(settings, "admin", "revoke", account)

    assert revoked.exit_code == 0, revoked.output
    assert (await user_row(runtime, user.id)).is_admin is False


@pytest.mark.parametrize("account", ["nobody@example.com", "+8613900139000", "not-an-account"])
async def test_admin_grant_unknown_user_exits_2(
    settings: Settings, runtime: Runtime, account: str
) -> None:
    other = await create_user(runtime, email="someone@example.com")

    result = await invoke_async(settings, "admin", "grant", account)

    assert result.exit_code == 2
    assert f"No user has the id, email or phone number {account}." in result.stderr
    assert (await user_row(runtime, other.id)).is_admin is False


async def test_energy_adjust_adds_with_note(settings: Settings, runtime: Runtime) -> None:
    user = await create_user(runtime, email="fan@example.com", energy_balance=100)

    result = await invoke_async(
        settings, "energy", "adjust", "fan@example.com", "50", "--note", "Ticket 1042"
    )

    assert result.exit_code == 0, result.output
    assert f"Adjusted the Energy of user {user.id} by +50; the balance is now 150." in result.stdout
    assert await energy_of(runtime, user.id) == (150, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100), ("adjust", 50)]
    async with runtime.sessionmaker() as session:
        notes = list(
            await session.scalars(
                select(EnergyEntry.note).where(
                    EnergyEntry.user_id == user.id, EnergyEntry.reason == "adjust"
                )
            )
        )
    assert notes == ["Ticket 1042"]


async def test_energy_adjust_negative_delta(settings: Settings, runtime: Runtime) -> None:
    user = await create_user(runtime, phone="+8613700137000", energy_balance=100)

    result = await invoke_async(
        settings, "energy", "adjust", "+8613700137000", "-30", "--note", "Duplicate grant"
    )

    assert result.exit_code == 0, result.output
    assert "by -30; the balance is now 70." in result.stdout
    assert await energy_of(runtime, user.id) == (70, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 100), ("adjust", -30)]


async def test_energy_adjust_over_available_exits_2(settings: Settings, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=20)

    result = await invoke_async(settings, "energy", "adjust", user.id, "-21", "--note", "Too much")

    assert result.exit_code == 2
    assert "has 20 Energy available, so 21 cannot be taken" in result.stderr
    assert await energy_of(runtime, user.id) == (20, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 20)]


async def test_energy_adjust_unknown_user_exits_2(settings: Settings, runtime: Runtime) -> None:
    result = await invoke_async(
        settings, "energy", "adjust", "ghost@example.com", "10", "--note", "Gift"
    )

    assert result.exit_code == 2
    assert "ghost@example.com" in result.stderr


async def test_energy_adjust_empty_note_exits_2(settings: Settings, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=5)

    result = await invoke_async(settings, "energy", "adjust", user.id, "10", "--note", "")

    assert result.exit_code == 2
    assert "note" in result.stderr
    assert await energy_of(runtime, user.id) == (5, 0)


async def test_energy_reconcile_all_agree(settings: Settings, runtime: Runtime) -> None:
    for balance in (0, 10, 250):
        await create_user(runtime, energy_balance=balance)

    result = await invoke_async(settings, "energy", "reconcile")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "All 3 balances agree with the ledger."


async def test_energy_reconcile_reports_edited(settings: Settings, runtime: Runtime) -> None:
    edited = await create_user(runtime, energy_balance=40)
    await create_user(runtime, energy_balance=60)
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(update(User).where(User.id == edited.id).values(energy_balance=45))

    result = await invoke_async(settings, "energy", "reconcile")

    assert result.exit_code == 1
    rows = [line for line in result.stdout.splitlines() if edited.id in line]
    assert len(rows) == 1
    cells = [cell.strip() for cell in rows[0].strip("│ ").split("│")]
    assert cells == [edited.id, "45", "40", "0", "0"]
    assert "1 of 2 balances differ" in result.stderr

    # Put the balance back, so the ledger check that ends every test passes.
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(update(User).where(User.id == edited.id).values(energy_balance=40))


async def test_orders_refund_revokes_grants(settings: Settings, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order = await orders.create_order(
        runtime,
        user,
        product_id="pro_monthly",
        provider_name="sandbox",
        client="web",
        payer_id=None,
        return_url=None,
        idempotency_key=None,
        locale="en",
    )
    await orders.confirm_sandbox(runtime, user, order.id)
    assert await energy_of(runtime, user.id) == (600, 0)

    result = await invoke_async(settings, "orders", "refund", order.id)

    assert result.exit_code == 0, result.output
    assert f"Refunded order {order.id} through sandbox; it is now refunded (revoked)." in (
        result.stdout
    )
    async with runtime.sessionmaker() as session:
        stored = await session.get(Order, order.id)
    assert stored is not None
    assert stored.status == "refunded"
    assert stored.refunded_amount == 2800
    assert await energy_of(runtime, user.id) == (0, 0)
    assert await ledger_rows(runtime, user.id) == [("grant", 600), ("revoke", -600)]
    refunded = await user_row(runtime, user.id)
    assert refunded.member_level == 0
    assert refunded.member_expire_at is None


async def test_orders_refund_twice_exits_2(settings: Settings, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    order = await orders.create_order(
        runtime,
        user,
        product_id="energy_300",
        provider_name="sandbox",
        client="app",
        payer_id=None,
        return_url=None,
        idempotency_key=None,
        locale="en",
    )
    await orders.confirm_sandbox(runtime, user, order.id)
    first = await invoke_async(settings, "orders", "refund", order.id)
    assert first.exit_code == 0, first.output

    second = await invoke_async(settings, "orders", "refund", order.id)

    assert second.exit_code == 2
    assert f"Order {order.id} is refunded, so it cannot be refunded." in second.stderr
    assert await ledger_rows(runtime, user.id) == [("grant", 300), ("revoke", -300)]


async def test_orders_refund_unknown_exits_2(settings: Settings, runtime: Runtime) -> None:
    result = await invoke_async(settings, "orders", "refund", "0123456789abcdef")

    assert result.exit_code == 2
    assert "Order 0123456789abcdef was not found." in result.stderr


async def test_member_keeps_level_after_pack_refund(settings: Settings, runtime: Runtime) -> None:
    user = await create_user(runtime, energy_balance=0)
    await make_member(runtime, user.id)
    order = await orders.create_order(
        runtime,
        user,
        product_id="energy_300",
        provider_name="sandbox",
        client="web",
        payer_id=None,
        return_url=None,
        idempotency_key=None,
        locale="en",
    )
    await orders.confirm_sandbox(runtime, user, order.id)

    result = await invoke_async(settings, "orders", "refund", order.id)

    assert result.exit_code == 0, result.output
    assert (await user_row(runtime, user.id)).member_level == PRO


async def test_commands_on_each_database(db_settings: Settings, db_runtime: Runtime) -> None:
    user = await create_user(db_runtime, email="ops@example.com", energy_balance=10)

    added = await invoke_async(db_settings, *ADD_ENERGY_PACK)
    granted = await invoke_async(db_settings, "admin", "grant", "ops@example.com")
    adjusted = await invoke_async(db_settings, "energy", "adjust", user.id, "-4", "--note", "Fix")
    reconciled = await invoke_async(db_settings, "energy", "reconcile")

    assert added.exit_code == 0, added.output
    assert granted.exit_code == 0, granted.output
    assert adjusted.exit_code == 0, adjusted.output
    assert reconciled.exit_code == 0, reconciled.output
    assert reconciled.stdout.strip() == "All 1 balances agree with the ledger."
    stored = await product(db_runtime, "energy_1000")
    assert stored is not None
    assert stored.price == 3500
    assert (await user_row(db_runtime, user.id)).is_admin is True
    assert await energy_of(db_runtime, user.id) == (6, 0)


def run_vidswap(
    settings: Settings, *args: str, lang: str = "C.UTF-8"
) -> subprocess.CompletedProcess[str]:
    """Run ``vidswap ARGS`` as a separate process, as an operator would."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("VIDSWAP_")}
    clean.pop("LANGUAGE", None)  # it would come before LANG
    env = {**clean, "LANG": lang, "VIDSWAP_DATA_DIR": str(settings.data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "vidswap", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_process_bad_price_one_line(settings: Settings) -> None:
    args = ["products", "add", "pack", "--name-en", "Pack", "--name-zh", "包"]
    args += ["--price", "-100", "--currency", "CNY"]

    result = run_vidswap(settings, *args)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: Invalid price -100 for product pack: Input should be greater than or equal to 1."
    ]


def test_process_zh_cn_message(settings: Settings) -> None:
    result = run_vidswap(settings, "products", "deactivate", "gift_card", lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "错误：商品 gift_card 不存在。`vidswap products list --all` 可列出全部商品。"
    )


def test_unmigrated_data_dir_exits_2(tmp_path: Path) -> None:
    env = {"VIDSWAP_DATA_DIR": str(tmp_path), "VIDSWAP_LOCALE": "en"}

    result = CliRunner().invoke(main, ["energy", "reconcile"], env=env)

    assert result.exit_code == 2
    assert "vidswap db upgrade" in result.stderr


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "C.UTF-8",
            "Error: The database file {path} does not exist. Set VIDSWAP_DATA_DIR to the folder "
            "given to `vidswap serve --data-dir`, or VIDSWAP_DATABASE_URL to the database. "
            "To start a new one, run `vidswap db upgrade`.",
        ),
        (
            "zh_CN.UTF-8",
            "错误：数据库文件 {path} 不存在。请将 VIDSWAP_DATA_DIR 设为传给 "
            "`vidswap serve --data-dir` 的目录，或将 VIDSWAP_DATABASE_URL 设为该数据库。"
            "要新建数据库，请运行 `vidswap db upgrade`。",
        ),
    ],
)
def test_process_outside_data_dir_exits_2(tmp_path: Path, lang: str, expected: str) -> None:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("VIDSWAP_")}
    database = tmp_path / "var" / "vidswap.db"

    result = subprocess.run(
        [sys.executable, "-m", "vidswap", "products", "list"],
        env={**clean, "LANG": lang},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )

    assert result.returncode == 2
    assert result.stderr.strip() == expected.format(path=database)
    assert not database.exists()
