"""Screen state in plain Python (no Flet imports), so it is unit tested without a UI."""

from vidswap_app.viewmodels.context import AppContext
from vidswap_app.viewmodels.create import CreateViewModel
from vidswap_app.viewmodels.identities import IdentitiesViewModel
from vidswap_app.viewmodels.plans import PlansViewModel
from vidswap_app.viewmodels.profile import ProfileViewModel
from vidswap_app.viewmodels.signin import SignInViewModel
from vidswap_app.viewmodels.tasks import TaskDetailViewModel, TasksViewModel

__all__ = [
    "AppContext",
    "CreateViewModel",
    "IdentitiesViewModel",
    "PlansViewModel",
    "ProfileViewModel",
    "SignInViewModel",
    "TaskDetailViewModel",
    "TasksViewModel",
]
