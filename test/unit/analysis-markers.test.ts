/** The range/cursor marker parser the analysis and LSP tests rely on (test/unit/helpers/markers.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { codeAt, expectedCodes, parseMarkers } from "./helpers/markers.ts";

test("one unlabelled range: clean text and zero-based positions", () => {
  const m = parseMarkers("a\nclean({ [|rowz|]: data.rows })");
  assert.equal(m.text, "a\nclean({ rowz: data.rows })");
  assert.equal(m.ranges.length, 1);
  assert.deepEqual(m.ranges[0]!.range, { start: { line: 1, character: 8 }, end: { line: 1, character: 12 } });
  assert.equal(m.ranges[0]!.text, "rowz");
  assert.equal(m.ranges[0]!.label, undefined);
});

test("labelled and nested ranges; object keys are not labels", () => {
  const m = parseMarkers("f([|FS002:{ [|FS001:rowz|]: 1 }|]); g([|rows: 1|]); h([|@in:x|])");
  assert.equal(m.text, "f({ rowz: 1 }); g(rows: 1); h(x)");
  assert.deepEqual(m.ranges.map((r) => [r.label, r.text]), [["FS002", "{ rowz: 1 }"], ["FS001", "rowz"], [undefined, "rows: 1"], ["in", "x"]]);
  assert.deepEqual(expectedCodes(m), ["FS001@0:4-0:8", "FS002@0:2-0:13"]);
  assert.deepEqual(expectedCodes(m, "FS001"), ["FS001@0:4-0:8"]);
  assert.equal(m.only("in").text, "x");
  assert.throws(() => m.only("nope"), /exactly one range labelled nope/);
});

test("cursors: /*|*/ always, a bare | only when asked, never inside || or markers", () => {
  const m = parseMarkers("a || b\ntr/*|*/ain(x)");
  assert.equal(m.text, "a || b\ntrain(x)");
  assert.deepEqual(m.cursors, [{ line: 1, character: 2 }]);
  const bare = parseMarkers("a || b; tr|ain([|x|])", { bareCursor: true });
  assert.equal(bare.text, "a || b; train(x)");
  assert.deepEqual(bare.cursors, [{ line: 0, character: 10 }]);
  assert.deepEqual(bare.ranges.map((r) => r.text), ["x"]);
});

test("CRLF and UTF-16: characters are UTF-16 code units, lines break on \\r\\n", () => {
  const m = parseMarkers("x\r\n😀 [|y|]\r\nz");
  assert.deepEqual(m.ranges[0]!.range, { start: { line: 1, character: 3 }, end: { line: 1, character: 4 } });
  assert.equal(codeAt({ code: "FS001", range: m.ranges[0]!.range }), "FS001@1:3-1:4");
});

test("an unclosed range is an error in the test, not a silent pass", () => {
  assert.throws(() => parseMarkers("f([|FS001:x)"), /never closed/);
});
