// Moderation page: swipe the photo card right to approve, left to reject (pointer events,
// so a finger, a pen and a mouse all work). The card follows the finger and says what a
// release will do; below the threshold it springs back and nothing happens.

// Movement before a drag starts: a shaky thumb tapping the photo is not a swipe.
const DRAG_START_PX = 12;
// A release past this distance decides: about a third of a phone's card, capped on a tablet
// so a moderator does not have to drag across half the screen.
const THRESHOLD_SHARE = 0.3;
const MAX_THRESHOLD_PX = 160;
const FLY_OUT_MS = 160;

/**
 * handlers: target() -> the id of the photo on the card, or null when a swipe must not start;
 * onApprove(id), onReject(id), with the id the swipe started on (the queue may move meanwhile).
 */
export function attachSwipe(card, handlers) {
  let drag = null;

  const threshold = () => Math.min(MAX_THRESHOLD_PX, card.clientWidth * THRESHOLD_SHARE);

  function paint(dx) {
    const limit = threshold();
    const progress = Math.max(-1, Math.min(1, dx / limit));
    card.style.transform = `translateX(${dx}px) rotate(${progress * 4}deg)`;
    card.style.setProperty("--approve-opacity", String(Math.max(0, progress)));
    card.style.setProperty("--reject-opacity", String(Math.max(0, -progress)));
    card.classList.toggle("will-approve", dx >= limit);
    card.classList.toggle("will-reject", dx <= -limit);
  }

  function reset() {
    drag = null;
    card.classList.remove("dragging", "will-approve", "will-reject", "fly-right", "fly-left");
    card.style.transform = "";
    card.style.removeProperty("--approve-opacity");
    card.style.removeProperty("--reject-opacity");
  }

  function release(dx, target) {
    const limit = threshold();
    if (dx >= limit) {
      card.classList.remove("dragging");
      card.classList.add("fly-right");
      card.style.transform = "translateX(120%) rotate(8deg)";
      setTimeout(() => {
        reset();
        handlers.onApprove(target);
      }, FLY_OUT_MS);
    } else if (dx <= -limit) {
      reset();
      handlers.onReject(target); // asks for a reason first: the card comes back meanwhile
    } else {
      reset();
    }
  }

  card.addEventListener("pointerdown", (event) => {
    const target = handlers.target();
    if (drag || !event.isPrimary || event.button !== 0 || !target) return;
    const { pointerId: id, clientX: x, clientY: y } = event;
    drag = { id, x, y, target, active: false, dx: 0 };
  });

  card.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.active) {
      if (Math.abs(dx) < DRAG_START_PX && Math.abs(dy) < DRAG_START_PX) return;
      if (Math.abs(dy) > Math.abs(dx)) {
        drag = null; // a vertical move scrolls the page
        return;
      }
      drag.active = true;
      card.setPointerCapture(event.pointerId);
      card.classList.add("dragging");
    }
    drag.dx = dx;
    paint(dx);
  });

  card.addEventListener("pointerup", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    const finished = drag;
    drag = null;
    if (finished.active) release(finished.dx, finished.target);
  });

  card.addEventListener("pointercancel", reset);
  // A finger's pointer is captured implicitly by the element it landed on (the photo
  // frame); taking the capture for the card makes that element lose it, and its
  // event bubbles here. Only the card's own loss ends the drag.
  card.addEventListener("lostpointercapture", (event) => {
    if (event.target === card && drag && drag.active) reset();
  });
}
