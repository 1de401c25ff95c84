"""The staff menu and landing page by role: each role sees the links it may use and lands on its own page.

    role                 lands on                     its links
    dnc-officer          /staff (the DNC dashboard)   dashboard, paper applications, sender accounts, mail delivery
    operator-staff       /staff/realname/register     register a SIM, compliance queues, number porting, consents
    operator-compliance  /staff/lawful/queue          lawful-access queue, consents, retention, incidents, approvals
    le-supervisor        /staff/lawful/endorsements   endorsements, lawful-access requests
    le-officer           /staff/lawful/requests       lawful-access requests
    regulator            /staff/realname/compliance   real-name compliance, compliance queues, number porting,
                                                      lawful-access oversight, transparency report, retention,
                                                      incidents, approvals
    ca-officer           /staff/ecert/applications    e-Cert applications, certificates, subscriptions and fees
    admin                /staff (the DNC dashboard)   every link but those of lawful access and consents (an
                                                      administrator passes every role check but theirs)

A user with several roles lands on the page of the first of ``ROLE_ORDER`` it holds (the working roles before
``admin``, whose page is only a starting point) and sees the links of all of them. A user with none of these
roles lands on /staff/home, which says so. The checks that guard the pages stay where they are
(core.users.require_role and the context's dependencies); this module only decides what to offer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError

from telreg.core import i18n as i18n_core
from telreg.core.errors import NotFound
from telreg.core.i18n import NP_, N_, Msgid
from telreg.core.security import signed_in_username
from telreg.core.users import COMPLIANCE_ROLE, OPERATOR_ROLE, get_user, is_locked

__all__ = ["HOME", "ROLE_ORDER", "MenuLink", "landing_page", "may_open", "menu_context", "staff_menu",
           "staff_roles"]

ADMIN, DNC_OFFICER, REGULATOR, CA_OFFICER = "admin", "dnc-officer", "regulator", "ca-officer"
LE_OFFICER, LE_SUPERVISOR = "le-officer", "le-supervisor"
ROLE_ORDER = (DNC_OFFICER, OPERATOR_ROLE, COMPLIANCE_ROLE, LE_SUPERVISOR, LE_OFFICER, REGULATOR, CA_OFFICER, ADMIN)
LANDING = {DNC_OFFICER: "/staff", OPERATOR_ROLE: "/staff/realname/register", COMPLIANCE_ROLE: "/staff/lawful/queue",
           LE_SUPERVISOR: "/staff/lawful/endorsements", LE_OFFICER: "/staff/lawful/requests",
           REGULATOR: "/staff/realname/compliance", CA_OFFICER: "/staff/ecert/applications", ADMIN: "/staff"}
HOME = "/staff/home"  # sends a signed-in user to its landing page, or says that no page is for its roles


@dataclass(frozen=True)
class MenuLink:
    path: str
    label: Msgid
    roles: frozenset[str]  # who may use it (administrators too, unless admin_passes is False)
    # Lawful access keeps its duties apart (lawful/deps.py): an administrator is not offered its pages.
    admin_passes: bool = True


STAFF_LINKS = (
    MenuLink("/staff", N_("Dashboard"), frozenset({DNC_OFFICER})),
    MenuLink("/staff/paper", N_("Paper applications"), frozenset({DNC_OFFICER})),
    MenuLink("/staff/senders", N_("Sender accounts"), frozenset({DNC_OFFICER})),
    MenuLink("/staff/mail", N_("Mail delivery"), frozenset({DNC_OFFICER})),
    MenuLink("/staff/realname/compliance", NP_("rn_nav_compliance", "Real-name compliance"),
             frozenset({REGULATOR})),
    MenuLink("/staff/realname/register", N_("Register a SIM"), frozenset({OPERATOR_ROLE})),
    MenuLink("/staff/realname/queues", N_("Compliance queues"), frozenset({OPERATOR_ROLE, REGULATOR})),
    MenuLink("/staff/realname/ports", N_("Number porting"), frozenset({OPERATOR_ROLE, REGULATOR})),
    MenuLink("/staff/ecert/applications", N_("e-Cert applications"), frozenset({CA_OFFICER})),
    MenuLink("/staff/ecert/certificates", N_("e-Cert certificates"), frozenset({CA_OFFICER})),
    MenuLink("/staff/ecert/subscriptions", N_("e-Cert subscriptions and fees"), frozenset({CA_OFFICER})),
    MenuLink("/staff/realname/consents", NP_("menu", "Consents"), frozenset({OPERATOR_ROLE, COMPLIANCE_ROLE}),
             admin_passes=False),
    MenuLink("/staff/lawful/queue", NP_("menu", "Lawful-access queue"), frozenset({COMPLIANCE_ROLE}),
             admin_passes=False),
    MenuLink("/staff/lawful/endorsements", NP_("menu", "Endorsements"), frozenset({LE_SUPERVISOR}),
             admin_passes=False),
    MenuLink("/staff/lawful/requests", NP_("menu", "Lawful-access requests"), frozenset({LE_OFFICER, LE_SUPERVISOR}),
             admin_passes=False),
    MenuLink("/staff/lawful/oversight", NP_("menu", "Lawful-access oversight"), frozenset({REGULATOR}),
             admin_passes=False),
    MenuLink("/staff/lawful/transparency", NP_("menu", "Transparency report"), frozenset({REGULATOR}),
             admin_passes=False),
    MenuLink("/staff/realname/retention", NP_("menu", "Retention and erasure"),
             frozenset({REGULATOR, COMPLIANCE_ROLE})),
    MenuLink("/staff/incidents", NP_("menu", "Incidents"), frozenset({REGULATOR, COMPLIANCE_ROLE})),
    MenuLink("/staff/approvals", NP_("menu", "Two-person approvals"), frozenset({REGULATOR, COMPLIANCE_ROLE})),
    MenuLink("/staff/enforcement/reports", NP_("menu", "Reports from the public"), frozenset({REGULATOR})),
    MenuLink("/staff/enforcement/cases", NP_("menu", "Enforcement cases"), frozenset({REGULATOR})),
    MenuLink("/staff/enforcement/statistics", NP_("menu", "Enforcement statistics"), frozenset({REGULATOR})),
)
# Staff pages outside the menu, by the roles that may open them (for where a sign-in may go on to).
_OTHER_AREAS = (
    ("/staff/numbers", frozenset({DNC_OFFICER}), True),
)


def _allowed(roles: Collection[str], needed: frozenset[str], *, admin_passes: bool = True) -> bool:
    return (admin_passes and ADMIN in roles) or not needed.isdisjoint(roles)


def staff_menu(roles: Collection[str]) -> list[MenuLink]:
    """Return the staff links the roles may use, in menu order (none for a user without a staff role)."""
    return [link for link in STAFF_LINKS if _allowed(roles, link.roles, admin_passes=link.admin_passes)]


def landing_page(roles: Iterable[str]) -> str | None:
    """Return the page a user with these roles starts on, or None when no staff page is for them."""
    held = set(roles)
    return next((LANDING[role] for role in ROLE_ORDER if role in held), None)


def may_open(roles: Collection[str], path: str) -> bool:
    """Tell whether a staff page is for these roles (by the area of its path); other paths are not judged."""
    areas = [(link.path, link.roles, link.admin_passes) for link in STAFF_LINKS] + list(_OTHER_AREAS)
    matching = [(area, needed, admin) for area, needed, admin in areas
                if path == area or (area != "/staff" and path.startswith(area + "/"))]
    if not matching:
        return True
    _, needed, admin_passes = max(matching, key=lambda item: len(item[0]))
    return _allowed(roles, needed, admin_passes=admin_passes)


def staff_roles(request: Request) -> frozenset[str]:
    """Return the roles of the staff user signed in on this request (none for others, or a locked account)."""
    username = signed_in_username(request)
    runtime = getattr(request.app.state, "runtime", None)
    if username is None or runtime is None:
        return frozenset()
    try:
        with runtime.read_session_factory() as session:
            user = get_user(session, username)
            return frozenset(user.roles) if user.is_active and not is_locked(user) else frozenset()
    except NotFound:
        return frozenset()
    except SQLAlchemyError:
        return frozenset()  # an error page about the database still renders, with no staff links


def menu_context(request: Request, lang: str) -> list[dict[str, str]]:
    """The staff menu of the signed-in user as the layout shows it: each link's address and words."""
    return [{"path": link.path, "label": i18n_core.translate(lang, link.label)}
            for link in staff_menu(staff_roles(request))]
