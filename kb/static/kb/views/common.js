/* What the three views' scripts (map.js, network.js, timeline.js) share, as one global,
 * window.EntenteViews. Loaded with `defer` just before a view's script, after d3.
 *
 * Pages hand a script its localised words as data islands and its record pages as URL
 * patterns with "__slug__" standing for the slug; words with numbers in them are gettext
 * strings with %(name)s placeholders, a plural one an object of Intl.PluralRules forms
 * ({"one": ..., "other": ...}) in the page's language.
 */
(function () {
  "use strict";

  const plural = new Intl.PluralRules(document.documentElement.lang || "en");

  // A data island (json_script) by its id.
  function island(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  // Fills a gettext template's %(name)s placeholders.
  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
  }

  // The plural form for `count`, filled with it and with any other `values`.
  function counted(forms, count, values) {
    return say(forms[plural.select(count)] || forms.other, Object.assign({ count: count }, values));
  }

  // Text without accents or case, to compare names as a person types them.
  function fold(text) {
    return (text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
  }

  function recordUrl(pattern, slug) {
    return pattern.replace("__slug__", encodeURIComponent(slug));
  }

  // The JSON at `url`; a promise that fails on an HTTP error as on a network one.
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then((response) => {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    });
  }

  // A notice in place of the picture: an error, or (isError false) why there is nothing to draw.
  function notice(canvas, message, isError = true) {
    canvas.textContent = "";
    const p = document.createElement("p");
    p.className = isError ? "notice error" : "notice";
    p.textContent = message;
    canvas.appendChild(p);
  }

  // Draws the picture from the JSON at `url`, or says in the canvas that it could not.
  function drawFrom(url, canvas, failed, draw) {
    getJSON(url)
      .then(draw)
      .catch((error) => {
        notice(canvas, failed);
        if (window.console) console.warn(error);
      });
  }

  // A note beside the picture (what it leaves out, what it could not draw), shown.
  function showNote(element, text) {
    if (!element) return;
    element.textContent = text;
    element.hidden = false;
  }

  // The width the canvas gives the picture, in pixels, for its viewBox.
  function canvasWidth(canvas) {
    return Math.max(320, Math.round(canvas.clientWidth || 800));
  }

  // The picture's <svg>: as wide as the canvas, scaled by its viewBox, named for screen readers.
  function picture(canvas, width, height, label) {
    return d3
      .select(canvas)
      .append("svg")
      .attr("viewBox", `0 0 ${width} ${height}`)
      .attr("role", "group")
      .attr("aria-label", label);
  }

  // The tooltip's text, a name in bold then one line per entry of `lines`, shown.
  function fillTip(tooltip, title, lines) {
    tooltip.replaceChildren();
    const name = document.createElement("strong");
    name.textContent = title;
    tooltip.append(name);
    for (const line of lines) {
      const span = document.createElement("span");
      span.textContent = line;
      tooltip.append(span);
    }
    tooltip.hidden = false;
  }

  // Puts the tooltip `gap` pixels above `element`, inside `frame`: its left edge at the
  // element's, or its middle at the element's middle when `centred`.
  function tipAbove(tooltip, frame, element, { centred = false, gap = 8 } = {}) {
    const box = element.getBoundingClientRect();
    const outer = frame.getBoundingClientRect();
    const shift = centred ? box.width / 2 - tooltip.offsetWidth / 2 : 0;
    const left = Math.min(
      Math.max(0, box.left - outer.left + shift),
      Math.max(0, outer.width - tooltip.offsetWidth)
    );
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${Math.max(0, box.top - outer.top - tooltip.offsetHeight - gap)}px`;
  }

  // The tooltip of a mark, on hover and on keyboard focus: show(datum, element).
  function tipOn(marks, show, hide) {
    marks
      .on("mouseenter focus", function (event, datum) {
        show(datum, this);
      })
      .on("mouseleave blur", hide);
  }

  // Marks that link somewhere: a click, Enter or Space goes to urlOf(datum), if it has one.
  function followOn(marks, urlOf) {
    function follow(datum) {
      const url = urlOf(datum);
      if (url) window.location.assign(url);
    }
    marks.on("click", (event, datum) => follow(datum));
    marks.on("keydown", (event, datum) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        follow(datum);
      }
    });
  }

  // d3-zoom's filter for a picture in a page: the wheel scrolls the page unless Ctrl (or a
  // pinch, which the browser sends as Ctrl and the wheel) zooms, so the picture is no trap
  // on the way down; only the main button drags.
  function wheelWithCtrl(event) {
    if (event.type === "wheel") return event.ctrlKey || event.metaKey;
    return !event.button;
  }

  // The figure's zoom buttons (.view-zoom, hidden until the picture can zoom), shown; a click
  // on one calls act with its data-zoom ("in", "out", "reset", or a view's own).
  function zoomButtons(figure, act) {
    const buttons = figure.querySelector(".view-zoom");
    if (!buttons) return;
    buttons.hidden = false;
    buttons.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (button) act(button.dataset.zoom);
    });
  }

  window.EntenteViews = {
    canvasWidth,
    counted,
    drawFrom,
    fillTip,
    fold,
    followOn,
    getJSON,
    island,
    notice,
    picture,
    recordUrl,
    say,
    showNote,
    tipAbove,
    tipOn,
    wheelWithCtrl,
    zoomButtons,
  };
})();
