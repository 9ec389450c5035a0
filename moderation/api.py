"""The moderation API of the contract: the queue, decisions, undo, the audit log, the socket."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, WebSocket

from moderation.deps import ModerationDep, ModerationServices
from moderation.present import Presenter
from moderation.schemas import AuditEntryOut, AuditPage, DecisionIn, ModPhoto, QueuePage
from moderation.undo import UndoExpired, UndoSuperseded, undoable
from staff.auth import CurrentModerator, CurrentOperator, websocket_account
from wall.domain import PhotoStatus
from wall.errors import ApiError
from wall.storage.base import InvalidTransition, PhotoNotFound, VersionConflict

router = APIRouter()

CLOSE_UNAUTHORIZED = 4401
MAX_OFFSET = 1_000_000_000  # far past any queue; 2**63 would overflow the database's integer
TARGET = {
    "approve": PhotoStatus.APPROVED,
    "reject": PhotoStatus.REJECTED,
    "remove": PhotoStatus.REMOVED,
}


def _presenter(services: ModerationServices) -> Presenter:
    return Presenter(services.store, services.policy)


@router.get("/api/moderation/queue", response_model=QueuePage)
async def queue(
    _: CurrentModerator,
    services: ModerationDep,
    status: PhotoStatus = PhotoStatus.PENDING,
    limit: Annotated[int, Query(ge=0, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    source: Annotated[str | None, Query(max_length=64)] = None,
    flag: Annotated[str | None, Query(max_length=32)] = None,
    order: Annotated[str, Query(pattern="^(oldest|newest)$")] = "oldest",
) -> QueuePage:
    page = await services.store.photos.list(
        status, limit, offset, source, flag, newest_first=order == "newest"
    )
    return QueuePage(photos=await _presenter(services).photos(page.photos), total=page.total)


@router.post("/api/moderation/photos/{photo_id}/decision", response_model=ModPhoto)
async def decide(
    photo_id: str, decision: DecisionIn, account: CurrentModerator, services: ModerationDep
) -> ModPhoto:
    try:
        after = await services.lifecycle.transition(
            photo_id,
            TARGET[decision.decision],
            account.username,
            decision.reason.strip(),
            expected_version=decision.version,
        )
    except PhotoNotFound:
        raise ApiError(404, "not_found") from None
    except (VersionConflict, InvalidTransition):
        raise ApiError(409, "conflict") from None
    return await _presenter(services).photo(after)


@router.post("/api/moderation/undo", response_model=ModPhoto)
async def undo(account: CurrentModerator, services: ModerationDep) -> ModPhoto:
    try:
        last = await undoable(services.store.photos, account.username)
    except UndoExpired:
        raise ApiError(409, "undo_expired") from None
    except UndoSuperseded:
        raise ApiError(409, "conflict") from None
    if last is None:
        raise ApiError(404, "not_found")
    try:
        after = await services.lifecycle.transition(
            last.photo_id,
            last.before,
            account.username,
            "undo",
            expected_version=last.version,
            undo=True,
        )
    except PhotoNotFound:
        raise ApiError(404, "not_found") from None
    except (VersionConflict, InvalidTransition):
        raise ApiError(409, "conflict") from None
    return await _presenter(services).photo(after)


@router.get("/api/moderation/audit", response_model=AuditPage)
async def audit(
    _: CurrentOperator,
    services: ModerationDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> AuditPage:
    entries = await services.store.photos.audit_log(limit, offset)
    return AuditPage(entries=[AuditEntryOut.model_validate(e) for e in entries])


@router.websocket("/ws/moderation")
async def moderation_socket(websocket: WebSocket) -> None:
    services: ModerationServices = websocket.app.state.services
    if await websocket_account(websocket) is None:
        # Accepted, then closed with the contract's code: a refusal at the handshake would
        # be a bare 403 that a client cannot tell from a proxy's.
        await websocket.accept()
        await websocket.close(code=CLOSE_UNAUTHORIZED)
        return
    await websocket.accept()
    await services.moderation_feed.serve(websocket, services.moderation_translator.greeting)
