// Shows beside a price box what the site will understand ("Giá: 450.000 ₫") while typing.
// The server parses the price again (marketplace/prices.py); this is only a preview.
(function () {
  "use strict";
  var WORDS = { k: 1e3, "nghìn": 1e3, nghin: 1e3, "ngàn": 1e3, ngan: 1e3, tr: 1e6, "triệu": 1e6, trieu: 1e6, "tỷ": 1e9, "tỉ": 1e9, ty: 1e9 };
  function number(text) {
    if (/^\d{1,3}([.,\s])\d{3}(\1\d{3})*$/.test(text)) return Number(text.replace(/[.,\s]/g, ""));
    if (/^\d+([.,]\d+)?$/.test(text)) return Number(text.replace(",", "."));
    return NaN;
  }
  function parse(value) {
    var text = value.toLowerCase().replace(/\s+/g, " ").trim().replace(/\s*(₫|đồng|dong|đ|vnd|vnđ)$/, "");
    if (/^[\d.,\s]+$/.test(text)) return number(text);
    var match = /^(\d+(?:[.,\s]\d+)*)\s*([^\d\s.,]+)\s*(\d{1,3})?$/.exec(text);
    if (!match || !WORDS[match[2]]) return NaN;
    var amount = number(match[1]);
    if (match[3]) amount += Number("0." + match[3]);
    return Math.round(amount * WORDS[match[2]] * 1000) / 1000;
  }
  document.querySelectorAll("[data-price-input]").forEach(function (box) {
    var output = box.parentNode.querySelector("output.price-preview");
    if (!output) return;
    box.addEventListener("input", function () {
      var amount = parse(box.value);
      var ok = amount >= 1 && amount <= 1e9 && Math.floor(amount) === amount;
      output.textContent = ok
        ? output.getAttribute("data-template").replace("{price}", amount.toLocaleString("vi-VN") + "\u00a0₫")
        : "";
    });
  });
})();
