//! The page's text box (`#text-entry` in `web/index.html`) through the DOM. The page's own
//! script marks typing (`data-edited`) and Enter (`data-submitted`), and unfocuses the box on
//! Enter and Escape, giving the keyboard back to the canvas; this side places the box, fills it,
//! and reads it once a frame.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement};

use super::{PageBox, Placement};

const BOX_ID: &str = "text-entry";
const CANVAS_ID: &str = "bevy";

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn text_box() -> Option<Element> {
    document()?.get_element_by_id(BOX_ID)
}

fn focused(document: &Document, element: &Element) -> bool {
    document.active_element().is_some_and(|active| &active == element)
}

/// Whether the page's script set the flag `data-<name>`; clears it.
fn take_flag(element: &Element, name: &str) -> bool {
    let set = element.has_attribute(name);
    if set {
        let _ = element.remove_attribute(name);
    }
    set
}

fn value(element: &Element) -> String {
    js_sys::Reflect::get(element, &JsValue::from_str("value")).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

pub(super) fn read() -> Option<PageBox> {
    let document = document()?;
    let element = document.get_element_by_id(BOX_ID)?;
    let submitted = take_flag(&element, "data-submitted");
    let edited = take_flag(&element, "data-edited");
    Some(PageBox { focused: focused(&document, &element), value: value(&element), submitted, edited })
}

pub(super) fn show(placement: &Placement) {
    let (Some(document), Some(element)) = (document(), text_box()) else { return };
    let rect = placement.rect;
    // Big enough for a phone not to zoom in on focus (under 16 px it would).
    let font = (rect.height() * 0.5).clamp(16.0, 28.0);
    let style = format!(
        "display:block;left:{:.1}px;top:{:.1}px;width:{:.1}px;height:{:.1}px;font-size:{font:.0}px",
        rect.min.x,
        rect.min.y,
        rect.width(),
        rect.height()
    );
    if element.get_attribute("style").as_deref() != Some(style.as_str()) {
        let _ = element.set_attribute("style", &style);
    }
    let _ = element.set_attribute("maxlength", &placement.max_chars.to_string());
    let _ = element.set_attribute("enterkeyhint", placement.enter_key);
    // While typing, the page's text is the truth; otherwise it shows the owner's.
    if !focused(&document, &element) && value(&element) != placement.value {
        let _ = js_sys::Reflect::set(&element, &JsValue::from_str("value"), &JsValue::from_str(&placement.value));
        let _ = element.remove_attribute("data-edited");
    }
}

pub(super) fn hide() {
    let (Some(document), Some(element)) = (document(), text_box()) else { return };
    if focused(&document, &element) {
        if let Some(html) = element.dyn_ref::<HtmlElement>() {
            let _ = html.blur();
        }
        if let Some(canvas) = document.get_element_by_id(CANVAS_ID).and_then(|c| c.dyn_into::<HtmlElement>().ok()) {
            let _ = canvas.focus();
        }
    }
    let _ = element.set_attribute("style", "display:none");
}

/// Gives the keyboard to the page's text box (the page's script gives it back on Enter and
/// Escape).
pub(super) fn focus() {
    if let Some(html) = text_box().and_then(|element| element.dyn_into::<HtmlElement>().ok()) {
        let _ = html.focus();
    }
}

pub(super) fn has_page() -> bool {
    text_box().is_some()
}

pub(super) fn touch_screen() -> bool {
    let Some(window) = web_sys::window() else { return false };
    js_sys::Reflect::get(&window, &JsValue::from_str("navigator"))
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &JsValue::from_str("maxTouchPoints")))
        .ok()
        .and_then(|points| points.as_f64())
        .is_some_and(|points| points > 0.0)
}
