"""``vidswap products``, ``levels``, ``admin``, ``energy`` and ``orders``: billing
administration on the database that the settings point at.

Each command checks that the database is migrated, runs one transaction through
``vidswap.billing.admin_service`` or ``vidswap.billing.orders`` and prints the
result. Exit status: 0 on success, 2 on a bad value (the message names it), 1 when
``energy reconcile`` finds a mismatch or on an internal failure.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from vidswap.billing import admin_service, catalog, orders
from vidswap.billing.admin_schemas import LevelOut, ProductAdminOut
from vidswap.kit.db import create_engine, create_sessionmaker, transaction
from vidswap.kit.errors import VidswapError
from vidswap.kit.i18n import localize, system_locale
from vidswap.kit.logging import configure_logging
from vidswap.kit.settings import Settings, load_settings

T = TypeVar("T")

EXIT_MISMATCH = 1
PIPED_WIDTH = 1000

_TEXT = {
    "error": {"en": "Error: {message}", "zh-CN": "错误：{message}"},
    "product_saved": {
        "en": "Saved product {product_id}: {price} {currency} (minor units), {state}.",
        "zh-CN": "已保存商品 {product_id}：{price} {currency}（最小货币单位），{state}。",
    },
    "active": {"en": "on sale", "zh-CN": "在售"},
    "inactive": {"en": "not on sale", "zh-CN": "已下架"},
    "level_saved": {
        "en": "Saved member level {rank} ({name}).",
        "zh-CN": "已保存会员等级 {rank}（{name}）。",
    },
    "admin_granted": {
        "en": "User {user_id} ({account}) is now an administrator.",
        "zh-CN": "用户 {user_id}（{account}）现在是管理员。",
    },
    "admin_revoked": {
        "en": "User {user_id} ({account}) is no longer an administrator.",
        "zh-CN": "用户 {user_id}（{account}）已不再是管理员。",
    },
    "energy_adjusted": {
        "en": "Adjusted the Energy of user {user_id} by {delta:+d}; the balance is now {balance}.",
        "zh-CN": "已将用户 {user_id} 的能量调整 {delta:+d}，当前余额为 {balance}。",
    },
    "balances_agree": {
        "en": "All {count} balances agree with the ledger.",
        "zh-CN": "全部 {count} 个余额与流水一致。",
    },
    "balances_differ": {
        "en": "{count} of {total} balances differ from the ledger or the open holds.",
        "zh-CN": "{total} 个余额中有 {count} 个与流水或未结冻结不一致。",
    },
    "refunded": {
        "en": "Refunded order {order_id} through {provider}; it is now {status} ({outcome}).",
        "zh-CN": "已通过 {provider} 为订单 {order_id} 退款，当前状态为 {status}（{outcome}）。",
    },
    "refund_processing": {
        "en": "Requested a refund of order {order_id} from {provider}; its refund notification revokes what the order granted.",
        "zh-CN": "已向 {provider} 申请订单 {order_id} 的退款；收到退款通知后会收回该订单发放的权益。",
    },
}


def _say(key: str, **params: object) -> str:
    return localize(_TEXT[key], system_locale(), params)


def _fail(error: VidswapError) -> NoReturn:
    click.echo(_say("error", message=error.message(system_locale())), err=True)
    sys.exit(error.exit_code)


def _load_settings() -> Settings:
    """Load the settings and check that the database is migrated, or exit naming the fix."""
    from vidswap.kit.migrate import check_database_current

    try:
        settings = load_settings()
        configure_logging(level=settings.log_level, json=settings.log_json)
        check_database_current(settings.resolved_database_url)
    except VidswapError as error:
        _fail(error)
    return settings


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one database transaction: committed when it returns, rolled
    back when it raises. A ``VidswapError`` ends the command with its message."""
    settings = _load_settings()

    async def run() -> T:
        engine = create_engine(settings.resolved_database_url)
        try:
            async with transaction(create_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except VidswapError as error:
        _fail(error)


def _texts(en: str | None, zh: str | None) -> dict[str, str]:
    """Build a ``{"en": ..., "zh-CN": ...}`` value of only the locales given."""
    given = {"en": en, "zh-CN": zh}
    return {locale: text for locale, text in given.items() if text is not None}


def _table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    # Off a terminal rich assumes 80 columns and wraps or cuts cells. Piped output
    # keeps every cell whole so that it can be searched.
    console = Console() if sys.stdout.isatty() else Console(width=PIPED_WIDTH)
    console.print(table)


# Products ---------------------------------------------------------------------------


@click.group()
def products() -> None:
    """Plans and Energy packs on sale."""


@products.command(name="list")
@click.option("--all", "show_all", is_flag=True, help="Include products that are not on sale.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def products_list(show_all: bool, as_json: bool) -> None:
    """List the products on sale (with --all, every product)."""

    async def load(session: AsyncSession) -> list[dict[str, Any]]:
        if show_all:
            found = await admin_service.all_products(session)
        else:
            found = await catalog.active_products(session)
        return [ProductAdminOut.model_validate(item).model_dump(mode="json") for item in found]

    items = _in_transaction(load)
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    columns = ["id", "name (en)", "name (zh-CN)", "price", "currency", "days", "level"]
    columns += ["energy", "energy valid days", "active"]
    rows = [
        (
            item["id"],
            item["names"].get("en"),
            item["names"].get("zh-CN"),
            item["price"],
            item["currency"],
            item["duration_days"],
            item["member_level"],
            item["energy"],
            item["energy_valid_days"] or "never expires",
            "yes" if item["active"] else "no",
        )
        for item in items
    ]
    _table("Products (prices in minor units)", columns, rows)


def _product_options(new: bool) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Return a decorator that adds the options setting product fields.

    With ``new`` the names, price and currency are required and the other options
    default to those of a new product."""
    default_zero = 0 if new else None
    options = [
        click.option("--name-en", required=new, help="Name in English."),
        click.option("--name-zh", required=new, help="Name in Simplified Chinese (zh-CN)."),
        click.option("--description-en", help="Description in English."),
        click.option("--description-zh", help="Description in Simplified Chinese."),
        click.option(
            "--feature-en",
            multiple=True,
            help="A feature line in English. Repeat it for each line; the lines replace the list.",
        ),
        click.option(
            "--feature-zh",
            multiple=True,
            help="A feature line in Simplified Chinese. Repeat it for each line.",
        ),
        click.option(
            "--price",
            type=int,
            required=new,
            help="Price in minor units of the currency (2800 CNY is 28.00 yuan).",
        ),
        click.option("--currency", required=new, help="ISO 4217 code, for example CNY or USD."),
        click.option(
            "--days",
            type=int,
            default=default_zero,
            help="Membership days the product gives (0 for an Energy pack).",
        ),
        click.option("--level", type=int, default=default_zero, help="Member level rank it gives."),
        click.option("--energy", type=int, default=default_zero, help="Energy it grants."),
        click.option(
            "--energy-valid-days",
            type=int,
            help="Days the granted Energy stays usable. Without it, the Energy never expires.",
        ),
        click.option("--sort-order", type=int, help="Position in the product list, lowest first."),
        click.option(
            "--active/--inactive",
            default=True if new else None,
            help="Whether the product is on sale.",
        ),
    ]

    def decorate(function: Callable[..., None]) -> Callable[..., None]:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def _product_fields(options: dict[str, Any]) -> dict[str, Any]:
    """Collect the product fields of the options given; options left out are not included."""
    fields: dict[str, Any] = {}
    names = _texts(options["name_en"], options["name_zh"])
    descriptions = _texts(options["description_en"], options["description_zh"])
    features = {
        locale: list(lines)
        for locale, lines in (("en", options["feature_en"]), ("zh-CN", options["feature_zh"]))
        if lines
    }
    for field, value in (("names", names), ("descriptions", descriptions), ("features", features)):
        if value:
            fields[field] = value
    simple = {
        "price": options["price"],
        "currency": options["currency"].upper() if options["currency"] else None,
        "duration_days": options["days"],
        "member_level": options["level"],
        "energy": options["energy"],
        "energy_valid_days": options["energy_valid_days"],
        "sort_order": options["sort_order"],
        "active": options["active"],
    }
    fields.update({field: value for field, value in simple.items() if value is not None})
    return fields


def _print_product(product: Any) -> None:
    state = _say("active" if product.active else "inactive")
    click.echo(
        _say(
            "product_saved",
            product_id=product.id,
            price=product.price,
            currency=product.currency,
            state=state,
        )
    )


@products.command(name="add")
@click.argument("product_id", metavar="ID")
@_product_options(new=True)
def products_add(product_id: str, **options: Any) -> None:
    """Add the product ID."""
    fields = _product_fields(options)

    async def add(session: AsyncSession) -> Any:
        return await admin_service.add_product(session, product_id, fields)

    _print_product(_in_transaction(add))


@products.command(name="update")
@click.argument("product_id", metavar="ID")
@_product_options(new=False)
def products_update(product_id: str, **options: Any) -> None:
    """Change the given fields of the product ID. The other fields keep their values."""
    fields = _product_fields(options)

    async def change(session: AsyncSession) -> Any:
        return await admin_service.change_product(session, product_id, fields)

    _print_product(_in_transaction(change))


@products.command(name="deactivate")
@click.argument("product_id", metavar="ID")
def products_deactivate(product_id: str) -> None:
    """Take the product ID off sale. Paid orders of it keep what they granted."""

    async def deactivate(session: AsyncSession) -> Any:
        return await admin_service.change_product(session, product_id, {"active": False})

    _print_product(_in_transaction(deactivate))


# Member levels ----------------------------------------------------------------------


@click.group()
def levels() -> None:
    """Member levels and their benefits."""


@levels.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def levels_list(as_json: bool) -> None:
    """List the member levels with their benefits."""

    async def load(session: AsyncSession) -> list[dict[str, Any]]:
        found = await catalog.levels(session)
        return [LevelOut.model_validate(level).model_dump(mode="json") for level in found]

    items = _in_transaction(load)
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    columns = ["rank", "name (en)", "name (zh-CN)", "max video s", "max resolution"]
    columns += ["concurrent", "daily", "priority", "label removal", "retention days"]
    rows = [
        (
            item["rank"],
            item["names"].get("en"),
            item["names"].get("zh-CN"),
            item["max_video_seconds"],
            f"{item['max_resolution']}p",
            item["concurrent_tasks"],
            item["daily_tasks"],
            item["priority"],
            "yes" if item["label_removal"] else "no",
            item["retention_days"],
        )
        for item in items
    ]
    _table("Member levels", columns, rows)


@levels.command(name="set")
@click.argument("rank", type=click.IntRange(0, 100))
@click.option("--name-en", help="Name in English.")
@click.option("--name-zh", help="Name in Simplified Chinese (zh-CN).")
@click.option("--max-video-seconds", type=int, help="Maximum video length of a task, in seconds.")
@click.option(
    "--max-resolution",
    type=int,
    help="Maximum video resolution, as the shorter side in pixels (1080 for 1080p).",
)
@click.option("--concurrent-tasks", type=int, help="Tasks a user may have running or queued.")
@click.option("--daily-tasks", type=int, help="Tasks a user may create per rolling 24 hours.")
@click.option("--priority", type=int, help="Queue priority from 0 to 100. Higher runs first.")
@click.option(
    "--label-removal/--no-label-removal",
    default=None,
    help="Whether users may turn off the visible AI label (where VIDSWAP_ALLOW_LABEL_REMOVAL allows).",
)
@click.option("--retention-days", type=int, help="Days finished results are kept.")
def levels_set(rank: int, name_en: str | None, name_zh: str | None, **benefits: Any) -> None:
    """Define member level RANK or change the given benefits of it.

    A new level needs both names and every benefit."""
    changes = {name: value for name, value in benefits.items() if value is not None}
    names = _texts(name_en, name_zh)
    if names:
        changes["names"] = names

    async def save(session: AsyncSession) -> tuple[int, str]:
        level = await admin_service.change_level(session, rank, changes)
        return level.rank, str(catalog.pick(level.names, system_locale()))

    saved_rank, name = _in_transaction(save)
    click.echo(_say("level_saved", rank=saved_rank, name=name))


# Administrators ---------------------------------------------------------------------


@click.group(name="admin")
def admin() -> None:
    """Administrator accounts (users who may call /api/v1/admin)."""


def _set_admin(account: str, is_admin: bool) -> None:
    async def save(session: AsyncSession) -> str:
        return (await admin_service.set_admin(session, account, is_admin)).id

    user_id = _in_transaction(save)
    click.echo(
        _say("admin_granted" if is_admin else "admin_revoked", user_id=user_id, account=account)
    )


@admin.command(name="grant")
@click.argument("account", metavar="EMAIL_OR_PHONE")
def admin_grant(account: str) -> None:
    """Make the user with this email, phone number or id an administrator."""
    _set_admin(account, True)


@admin.command(name="revoke")
@click.argument("account", metavar="EMAIL_OR_PHONE")
def admin_revoke(account: str) -> None:
    """Take administrator rights from the user with this email, phone number or id."""
    _set_admin(account, False)


# Energy -----------------------------------------------------------------------------


@click.group()
def energy() -> None:
    """Adjust and check the Energy ledger."""


# ignore_unknown_options lets a negative DELTA such as -50 through as an argument.
@energy.command(name="adjust", context_settings={"ignore_unknown_options": True})
@click.argument("account", metavar="USER_ID_OR_EMAIL_OR_PHONE")
@click.argument("delta", type=int)
@click.option(
    "--note", required=True, help="Reason for the change, shown in the user's Energy history."
)
def energy_adjust(account: str, delta: int, note: str) -> None:
    """Add DELTA Energy to a user, or take it when DELTA is negative.

    A debit larger than the Energy available (not held by tasks) is rejected."""

    async def save(session: AsyncSession) -> tuple[str, int]:
        user, entry = await admin_service.adjust_energy_of(session, account, delta, note)
        return user.id, entry.balance_after if entry else user.energy_balance

    user_id, balance = _in_transaction(save)
    click.echo(_say("energy_adjusted", user_id=user_id, delta=delta, balance=balance))


@energy.command(name="reconcile")
def energy_reconcile() -> None:
    """Check every balance against the ledger and every reserve against the open holds.

    Exits with status 1 and a table of the users that differ."""

    async def check(session: AsyncSession) -> tuple[int, list[dict[str, Any]]]:
        return await admin_service.count_users(session), await admin_service.reconcile(session)

    total, problems = _in_transaction(check)
    if not problems:
        click.echo(_say("balances_agree", count=total))
        return
    columns = ("user", "balance", "ledger sum", "reserved", "open holds")
    rows = [
        (row["user_id"], row["balance"], row["ledger_sum"], row["reserved"], row["held"])
        for row in problems
    ]
    _table("Balances that differ", columns, rows)
    click.echo(_say("balances_differ", count=len(problems), total=total), err=True)
    sys.exit(EXIT_MISMATCH)


# Orders -----------------------------------------------------------------------------


@click.group(name="orders")
def orders_group() -> None:
    """Orders and refunds."""


@orders_group.command(name="refund")
@click.argument("order_id")
def orders_refund(order_id: str) -> None:
    """Refund the paid order ORDER_ID through its payment provider and revoke what it
    granted (the same as POST /api/v1/admin/orders/{order_id}/refund)."""
    from vidswap.runtime import Runtime

    settings = _load_settings()

    async def refund() -> tuple[Any, str]:
        runtime = Runtime.build(settings)
        try:
            return await orders.refund_order(runtime, order_id, system_locale())
        finally:
            await runtime.close()

    try:
        order, outcome = asyncio.run(refund())
    except VidswapError as error:
        _fail(error)
    if outcome == "processing":
        click.echo(_say("refund_processing", order_id=order.id, provider=order.provider))
        return
    click.echo(
        _say(
            "refunded",
            order_id=order.id,
            provider=order.provider,
            status=order.status,
            outcome=outcome,
        )
    )


COMMANDS = (products, levels, admin, energy, orders_group)
