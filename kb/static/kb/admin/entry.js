// The source's entry page (kb/admin/entry.py): turn the editor's selection in the
// stored text into character offsets, and keep the form in step with the chosen action.
//
// The text block holds the raw text only, in pieces that each carry where they start
// in the stored text (data-start, data-end). Offsets count characters as Python does
// (code points, not UTF-16 units), and a line break stored as "\r\n" counts two though
// the page shows one. The server cuts the quote from these offsets; what is shown here
// is only a preview.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  var block = document.getElementById("kb-entry-text");
  var form = document.getElementById("kb-entry-form");
  if (!block || !form) return;
  var startInput = form.querySelector("input[name=start]");
  var endInput = form.querySelector("input[name=end]");
  var preview = document.getElementById("kb-entry-quote");
  var length = Number(block.dataset.length);

  function codePoints(text) {
    return Array.from(text).length;
  }

  function pieceOf(node) {
    var element = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
    while (element && element !== block) {
      if (element.dataset && element.dataset.start !== undefined) return element;
      element = element.parentNode;
    }
    return null;
  }

  // The offset in the stored text of a boundary point (node, offset) of a range.
  function offsetOf(node, offset) {
    if (!block.contains(node)) {
      // Outside the block: before it, or after it.
      var before = block.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING;
      return before ? 0 : length;
    }
    if (node.nodeType !== Node.TEXT_NODE) {
      // Between children: the first text node at or after the point.
      var walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      var child = node.childNodes[offset];
      var next = null;
      if (child) {
        walker.currentNode = child;
        next = child.nodeType === Node.TEXT_NODE ? child : walker.nextNode();
      } else {
        walker.currentNode = node;
        // Past the node's last child: the text after the node.
        var last = node.lastChild;
        while (last && last.lastChild) last = last.lastChild;
        if (last) walker.currentNode = last;
        next = walker.nextNode();
        if (next && node.contains(next)) next = null;
      }
      return next ? offsetOf(next, 0) : length;
    }
    var piece = pieceOf(node);
    if (!piece) return 0;
    var start = Number(piece.dataset.start);
    if (piece.classList.contains("kb-eol")) {
      return offset === 0 ? start : Number(piece.dataset.end);
    }
    // Text before the point within the piece (a piece holds one text node, as written).
    var walk = document.createTreeWalker(piece, NodeFilter.SHOW_TEXT);
    var text = "";
    for (var current = walk.nextNode(); current; current = walk.nextNode()) {
      if (current === node) {
        text += current.data.slice(0, offset);
        break;
      }
      text += current.data;
    }
    return start + codePoints(text);
  }

  // The DOM boundary point of an offset in the stored text (to show a preselected passage).
  function pointOf(offset) {
    var pieces = block.querySelectorAll("[data-start]");
    for (var i = 0; i < pieces.length; i++) {
      var piece = pieces[i];
      var start = Number(piece.dataset.start);
      var end = Number(piece.dataset.end);
      if (offset < start || offset > end) continue;
      var text = piece.firstChild;
      if (!text) continue;
      if (piece.classList.contains("kb-eol")) return [text, offset === start ? 0 : text.data.length];
      var units = Array.from(text.data).slice(0, offset - start).join("").length;
      return [text, units];
    }
    return null;
  }

  // The stored text between two offsets, as the page shows it (a preview only).
  function shownText(start, end) {
    var parts = [];
    block.querySelectorAll("[data-start]").forEach(function (piece) {
      var from = Number(piece.dataset.start);
      var to = Number(piece.dataset.end);
      if (to <= start || from >= end) return;
      if (piece.classList.contains("kb-eol")) {
        parts.push("\n");
        return;
      }
      var chars = Array.from(piece.textContent);
      parts.push(chars.slice(Math.max(start - from, 0), Math.min(end, to) - from).join(""));
    });
    return parts.join("");
  }

  // The chosen passage stays marked once the focus moves to the form (where supported).
  function mark(start, end) {
    if (!(window.Highlight && window.CSS && CSS.highlights)) return;
    CSS.highlights.delete("kb-entry-chosen");
    var from = start === null ? null : pointOf(start);
    var to = start === null ? null : pointOf(end);
    if (!from || !to) return;
    var range = document.createRange();
    range.setStart(from[0], from[1]);
    range.setEnd(to[0], to[1]);
    CSS.highlights.set("kb-entry-chosen", new Highlight(range));
  }

  function show(start, end) {
    mark(start, end);
    if (!preview) return;
    preview.textContent = start === null ? preview.dataset.empty : shownText(start, end);
    preview.classList.toggle("kb-entry-quote-empty", start === null);
  }

  function readSelection() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    if (!range.intersectsNode(block)) return;
    var start = offsetOf(range.startContainer, range.startOffset);
    var end = offsetOf(range.endContainer, range.endOffset);
    // Leave out white space at either end (a double or triple click takes it along).
    var chosen = shownText(start, end);
    var lead = codePoints(chosen) - codePoints(chosen.replace(/^\s+/, ""));
    var trail = codePoints(chosen) - codePoints(chosen.replace(/\s+$/, ""));
    if (lead + trail >= codePoints(chosen)) return; // white space only
    start += lead;
    end -= trail;
    startInput.value = start;
    endInput.value = end;
    show(start, end);
  }

  // The keyboard: the text block takes the focus (Tab), and the arrow keys move a caret
  // in it, with Shift extending the selection (Ctrl or Alt: by words), as in an editor;
  // a browser does not do so in text that is not editable unless caret browsing is on.
  var STEPS = {
    ArrowRight: ["forward", "character"],
    ArrowLeft: ["backward", "character"],
    ArrowDown: ["forward", "line"],
    ArrowUp: ["backward", "line"],
    Home: ["backward", "lineboundary"],
    End: ["forward", "lineboundary"],
  };
  block.addEventListener("keydown", function (event) {
    var step = STEPS[event.key];
    var selection = window.getSelection();
    if (!step || !selection || !selection.modify) return;
    if (selection.rangeCount === 0 || !block.contains(selection.anchorNode)) {
      var first = document.createTreeWalker(block, NodeFilter.SHOW_TEXT).nextNode();
      if (!first) return;
      selection.collapse(first, 0);
    }
    var unit = step[1] === "character" && (event.ctrlKey || event.altKey) ? "word" : step[1];
    selection.modify(event.shiftKey ? "extend" : "move", step[0], unit);
    event.preventDefault();
  });

  document.addEventListener("selectionchange", function () {
    window.clearTimeout(readSelection.timer);
    readSelection.timer = window.setTimeout(readSelection, 50);
  });

  // A passage given by the address (?start=&end=) or kept after an error: select it.
  if (startInput.value !== "" && endInput.value !== "") {
    var from = pointOf(Number(startInput.value));
    var to = pointOf(Number(endInput.value));
    if (from && to) {
      var range = document.createRange();
      range.setStart(from[0], from[1]);
      range.setEnd(to[0], to[1]);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
            var piece = from[0].parentNode;
      if (piece && piece.scrollIntoView) piece.scrollIntoView({ block: "center" });
      mark(Number(startInput.value), Number(endInput.value));
    }
  }

  // Only the chosen action's fields are shown (all of them without this script).
  var actions = form.querySelectorAll("input[name=action]");
  function showAction() {
    var chosen = form.querySelector("input[name=action]:checked");
    form.querySelectorAll(".kb-entry-action").forEach(function (fieldset) {
      fieldset.hidden = !chosen || fieldset.dataset.action !== chosen.value;
    });
  }
  actions.forEach(function (input) {
    input.addEventListener("change", showAction);
  });
  showAction();

  // The record picker searches the chosen type (autocomplete.js reads data-model-name).
  var type = form.querySelector("select[name=cite-record_type]");
  var picker = form.querySelector("select[name=cite-record]");
  if (type && picker) {
    type.addEventListener("change", function () {
      picker.dataset.modelName = type.value;
      if (window.django && window.django.jQuery) {
        window.django.jQuery(picker).val(null).trigger("change");
      } else {
        picker.value = "";
      }
    });
  }
});
