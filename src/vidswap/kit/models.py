"""Import every table module so ``Base.metadata`` is complete (Alembic, tests)."""

from vidswap.accounts import models as accounts_models  # noqa: F401
from vidswap.billing import models as billing_models  # noqa: F401
from vidswap.jobs import models as jobs_models  # noqa: F401
from vidswap.kit import ratelimit_models  # noqa: F401
from vidswap.kit.db import Base
from vidswap.media import models as media_models  # noqa: F401
from vidswap.notifications import models as notifications_models  # noqa: F401

metadata = Base.metadata
