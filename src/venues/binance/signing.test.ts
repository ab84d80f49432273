import { describe, expect, test } from "bun:test";
import { Rng } from "../../services/index.ts";
import { SIM_ED25519_PRIVATE_KEY_PEM } from "../../sim/index.ts";
import { rejectReason } from "./errors.ts";
import {
  ed25519Key,
  ed25519Signer,
  hmacHex,
  hmacSigner,
  orderCancelJson,
  orderPlaceJson,
  restQuery,
  signWsApiParams,
  wsApiPayload,
  wsApiRequestJson,
} from "./signing.ts";

const SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

describe("Binance signing (§G vectors)", () => {
  test("REST HMAC over the params in the order sent", () => {
    const q = restQuery({
      symbol: "LTCBTC",
      side: "BUY",
      type: "LIMIT",
      timeInForce: "GTC",
      quantity: "1",
      price: "0.1",
      recvWindow: 5000,
      timestamp: 1499827319559,
    });
    expect(q).toBe(
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
    );
    expect(hmacHex(SECRET, q)).toBe("c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
  });

  test("WS API HMAC over params sorted by name", () => {
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
    };
    expect(wsApiPayload(params)).toBe(
      "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
    );
    expect(signWsApiParams(hmacSigner(SECRET), params).signature).toBe(
      "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24",
    );
  });
});

describe("error mapping (§A.8)", () => {
  test("codes and -2010 messages map to typed reasons", () => {
    expect(rejectReason(-2010, "Account has insufficient balance for requested action.")).toBe("insufficient_balance");
    expect(rejectReason(-2010, "Order would immediately match and take.")).toBe("would_take");
    expect(rejectReason(-2010, "Duplicate order sent.")).toBe("duplicate_client_id");
    expect(rejectReason(-2010, "Market is closed.")).toBe("market_closed");
    expect(rejectReason(-1013, "Filter failure: LOT_SIZE")).toBe("filter");
    expect(rejectReason(-1111, "Precision is over the maximum defined for this asset.")).toBe("filter");
    expect(rejectReason(-1121, "Invalid symbol.")).toBe("bad_symbol");
    expect(rejectReason(-2011, "Unknown order sent.")).toBe("unknown_order");
    expect(rejectReason(-2013, "Order does not exist.")).toBe("unknown_order");
    expect(rejectReason(-1021, "Timestamp for this request is outside of the recvWindow.")).toBe("timestamp");
    expect(rejectReason(-1022, "Signature for this request is not valid.")).toBe("auth");
    expect(rejectReason(-2015, "Invalid API-key, IP, or permissions for action.")).toBe("auth");
    expect(rejectReason(-1015, "Too many new orders")).toBe("rate_limited");
    expect(rejectReason(-1003, "Way too much request weight used; IP banned until 1.")).toBe("banned");
    expect(rejectReason(-1003, "x", 418)).toBe("banned");
    expect(rejectReason(-1102, "Mandatory parameter 'price' was not sent")).toBe("invalid_request");
    expect(rejectReason(-9999, "?")).toBe("unknown");
  });
});

describe("WS API request JSON (one pass)", () => {
  const params = {
    symbol: "BTCUSDT",
    side: "SELL",
    type: "LIMIT",
    timeInForce: "GTC",
    quantity: "0.01000000",
    price: "52000.00",
    newClientOrderId: 'odd "id"\\',
  };
  const auth = {
    apiKey: "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
    recvWindow: 100,
    timestamp: 1645423376532,
  };
  test("signed: same params and signature as signWsApiParams, valid JSON even for values needing escapes", () => {
    const sign = hmacSigner(SECRET);
    const json = wsApiRequestJson("r1", "order.place", params, auth, sign);
    const expected = signWsApiParams(sign, { ...params, ...auth });
    expect(JSON.parse(json)).toEqual({ id: "r1", method: "order.place", params: expected });
  });
  test("the keyed signer gives the same HMAC on every call", () => {
    const sign = hmacSigner(SECRET);
    const a = sign("symbol=BTCUSDT&timestamp=1");
    sign("something else");
    expect(sign("symbol=BTCUSDT&timestamp=1")).toBe(a);
    expect(a).toBe(hmacHex(SECRET, "symbol=BTCUSDT&timestamp=1"));
  });
  test("unsigned and session (no apiKey, no signature) requests", () => {
    expect(JSON.parse(wsApiRequestJson("p", "ping", {}, undefined, undefined))).toEqual({
      id: "p",
      method: "ping",
      params: {},
    });
    const session = JSON.parse(
      wsApiRequestJson("s", "order.cancel", { symbol: "BTCUSDT" }, { recvWindow: 5, timestamp: 7 }, undefined),
    );
    expect(session).toEqual({
      id: "s",
      method: "order.cancel",
      params: { symbol: "BTCUSDT", recvWindow: 5, timestamp: 7 },
    });
  });
});

describe("order.place / order.cancel built in one template", () => {
  test("the same bytes as wsApiRequestJson over the same params, signed (HMAC, Ed25519) or in a session, seed printed", () => {
    const seed = "order-json";
    const rng = new Rng(seed);
    const signers = [undefined, hmacSigner(SECRET), ed25519Signer(ed25519Key(SIM_ED25519_PRIVATE_KEY_PEM))];
    for (let i = 0; i < 300; i++) {
      const sign = rng.pick(signers);
      const auth = {
        apiKey: rng.chance(0.5) ? undefined : rng.pick(["vmPUZE6mv9SD5VNH", "key_with-dash.and:colon"]),
        recvWindow: rng.int(60_000) + 1,
        timestamp: 1_700_000_000_000 + rng.int(1e9),
      };
      const type = rng.pick(["LIMIT", "LIMIT_MAKER", "MARKET"]);
      const tif = type === "LIMIT" ? rng.pick(["GTC", "IOC", "FOK"]) : undefined;
      const price = type === "MARKET" ? undefined : `${rng.int(100_000)}.${String(rng.int(100)).padStart(2, "0")}`;
      const qty = `${rng.int(10)}.${String(rng.int(100_000)).padStart(5, "0")}`;
      const clientId = `ab1-${rng.int(1e9).toString(36)}-${rng.int(1e6)}`;
      const side = rng.pick(["BUY", "SELL"]);
      const params: Record<string, string> = { symbol: "BTCUSDT", side, type };
      if (tif !== undefined) params["timeInForce"] = tif;
      params["quantity"] = qty;
      if (price !== undefined) params["price"] = price;
      params["newClientOrderId"] = clientId;
      params["newOrderRespType"] = "ACK";
      const id = `r${i.toString(36)}`;
      const place = orderPlaceJson(id, "BTCUSDT", side, type, tif, qty, price, clientId, auth, sign);
      expect(place, `seed ${seed} case ${i}`).toBe(wsApiRequestJson(id, "order.place", params, auth, sign));
      const cancel = orderCancelJson(id, "BTCUSDT", clientId, auth, sign);
      const cancelParams = { symbol: "BTCUSDT", origClientOrderId: clientId };
      expect(cancel, `seed ${seed} case ${i}`).toBe(wsApiRequestJson(id, "order.cancel", cancelParams, auth, sign));
    }
  });
});
