/** Proves the TypeScript view of the C structs, records and status codes matches the compiled library. */
import { describe, expect, test } from "bun:test";
import { cDepthStatusName, cLayout, cStatusName } from "./ffi.ts";
import {
  BookStatus,
  bookStatusName,
  C_DEPTH_STATUS_NAMES,
  C_STATUS_NAMES,
  DepthStatus,
  depthStatusName,
  EXPECTED_LAYOUT,
} from "./layout.ts";

describe("C/TS layout", () => {
  test("every size, offset and constant hft_layout reports equals the TypeScript constant", () => {
    const c = cLayout();
    expect(c.length).toBe(EXPECTED_LAYOUT.length);
    const mismatches = EXPECTED_LAYOUT.filter(([, want], i) => c[i] !== want).map(
      ([name, want]) => `${name}: C ${c[EXPECTED_LAYOUT.findIndex(([n]) => n === name)]} vs TS ${want}`,
    );
    expect(mismatches).toEqual([]);
  });

  test("status codes and names agree with hft_status_name", () => {
    const tsCodes: number[] = Object.values(BookStatus);
    expect(tsCodes).toEqual(C_STATUS_NAMES.map((_, i) => i));
    for (let code = 0; code < C_STATUS_NAMES.length; code++) {
      expect(cStatusName(code)).toBe(C_STATUS_NAMES[code] as string);
    }
    expect(cStatusName(C_STATUS_NAMES.length)).toBe("HFT_E_UNKNOWN");
    expect(cStatusName(-1)).toBe("HFT_E_UNKNOWN");
    expect(bookStatusName(BookStatus.BookFull)).toBe("BookFull");
    expect(bookStatusName(99)).toBe("Unknown(99)");
  });

  test("depth decode outcomes and names agree with hft_depth_status_name", () => {
    const tsCodes: number[] = Object.values(DepthStatus);
    expect(tsCodes).toEqual(C_DEPTH_STATUS_NAMES.map((_, i) => i));
    for (let code = 0; code < C_DEPTH_STATUS_NAMES.length; code++) {
      expect(cDepthStatusName(code)).toBe(C_DEPTH_STATUS_NAMES[code] as string);
    }
    expect(cDepthStatusName(C_DEPTH_STATUS_NAMES.length)).toBe("HFT_DEPTH_UNKNOWN");
    expect(depthStatusName(DepthStatus.Gap)).toBe("Gap");
    expect(depthStatusName(-3)).toBe("Unknown(-3)");
  });
});
