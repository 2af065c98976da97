// Run by tests/browser/conftest.py (focus_ring_problems) in each page it checks: every focusable
// element is focused as from the keyboard, and its outline must show, with at least `minimum`:1
// contrast against the colours around the ring (WCAG 2.2, 1.4.11). Returns the problems found.
([minimum, limit]) => {
    const parse = (text) => {
        const match = /rgba?\(([^)]+)\)/.exec(text || "");
        if (!match) return null;
        const parts = match[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
        return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
    };
    const channel = (value) => { value /= 255; return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4; };
    const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
    const contrast = (x, y) => { const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
    // The colours painted behind a node: its own or its nearest ancestor's background (every stop of a gradient).
    const behind = (node) => {
        for (; node && node.nodeType === 1; node = node.parentElement) {
            const style = getComputedStyle(node);
            if (style.backgroundImage.includes("gradient")) {
                const stops = (style.backgroundImage.match(/rgba?\([^)]+\)/g) || []).map(parse);
                if (stops.length) return stops;
            }
            const colour = parse(style.backgroundColor);
            if (colour && colour.a >= 0.5) return [colour];
        }
        return [{ r: 255, g: 255, b: 255, a: 1 }];
    };
    const name = (el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""} “${(el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 30)}”`;
    const focusable = [...document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
        .filter((el) => !el.disabled && el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
        .slice(0, limit);
    const problems = [];
    for (const el of focusable) {
        el.focus();
        if (document.activeElement !== el) continue;
        const style = getComputedStyle(el);
        const width = parseFloat(style.outlineWidth) || 0;
        if (style.outlineStyle === "none" || width < 2) {
            problems.push(`${name(el)} shows no focus ring when focused from the keyboard`);
            continue;
        }
        const ring = parse(style.outlineColor);
        const offset = parseFloat(style.outlineOffset) || 0;
        let around = [];
        if (offset + width <= 0) {
            around = behind(el);  // drawn inside the element, on its own background
        } else {
            const box = el.getBoundingClientRect();
            const d = offset + width / 2;
            const points = [[box.left - d, box.top + box.height / 2], [box.right + d, box.top + box.height / 2],
                            [box.left + box.width / 2, box.top - d], [box.left + box.width / 2, box.bottom + d]];
            for (const [x, y] of points) {
                if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
                const under = document.elementsFromPoint(x, y).find((node) => node !== el && !el.contains(node));
                if (under) around.push(...behind(under));
            }
            if (!around.length) around = behind(el.parentElement);
        }
        const worst = Math.min(...around.map((colour) => contrast(ring, colour)));
        if (worst < minimum) problems.push(`${name(el)}: its focus ring (${style.outlineColor}) has ${worst.toFixed(2)}:1 against what surrounds it (at least ${minimum}:1)`);
    }
    // Leave the page as a visitor finds it: nothing focused, the next Tab from the top, at the top.
    let start = document.querySelector("[data-focus-check-start]");
    if (!start) {
        start = document.createElement("span");
        start.setAttribute("tabindex", "-1");
        start.setAttribute("data-focus-check-start", "");
        document.body.prepend(start);
    }
    start.focus();
    start.blur();
    window.scrollTo(0, 0);
    return problems;
}
