import { describe, expect, test } from "bun:test";
import { hmacMatches, hmacSha256Hex, restSignedPayload, wsApiSignedPayload } from "./signing.ts";

// Binance's published examples (reference §G), recomputed there with Python hmac.
const SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const REST_PAYLOAD =
  "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
const REST_SIG = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
const WS_SIG = "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24";

describe("REST HMAC (§G vector)", () => {
  test("signature of the published payload", () => {
    expect(hmacSha256Hex(SECRET, REST_PAYLOAD)).toBe(REST_SIG);
  });
  test("payload all in the query string", () => {
    const s = restSignedPayload(`${REST_PAYLOAD}&signature=${REST_SIG}`, "");
    expect(s.payload).toBe(REST_PAYLOAD);
    expect(s.signature).toBe(REST_SIG);
    expect(hmacMatches(SECRET, s.payload, s.signature ?? "")).toBe(true);
  });
  test("query then body concatenated without separator, as Binance's mixed example", () => {
    const s = restSignedPayload(
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
      "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
    );
    expect(s.payload).toBe(
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
    );
    expect(hmacSha256Hex(SECRET, s.payload)).toBe("0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
  });
  test("uppercase hex is accepted, a changed payload is not", () => {
    expect(hmacMatches(SECRET, REST_PAYLOAD, REST_SIG.toUpperCase())).toBe(true);
    expect(hmacMatches(SECRET, REST_PAYLOAD.replace("0.1", "0.2"), REST_SIG)).toBe(false);
    expect(hmacMatches(SECRET, REST_PAYLOAD, "zz")).toBe(false);
  });
});

describe("WS API HMAC (§G vector)", () => {
  test("sorted, unencoded parameters", () => {
    const params = {
      symbol: "BTCUSDT",
      side: "SELL",
      type: "LIMIT",
      timeInForce: "GTC",
      quantity: "0.01000000",
      price: "52000.00",
      recvWindow: 100,
      timestamp: 1645423376532,
      apiKey: "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
      signature: "ignored",
    };
    const payload = wsApiSignedPayload(params);
    expect(payload).toBe(
      "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
    );
    expect(hmacSha256Hex(SECRET, payload)).toBe(WS_SIG);
    expect(hmacMatches(SECRET, payload, WS_SIG)).toBe(true);
  });
});
