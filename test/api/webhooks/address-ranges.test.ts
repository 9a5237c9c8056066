import { describe, expect, it } from "vitest";
import { classifyAddress } from "../../../api/webhooks/address-ranges.js";
import type { AddressCategory } from "../../../api/webhooks/address-ranges.js";

const cases: [string, AddressCategory][] = [
  // IPv4
  ["0.0.0.0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  ["10.0.0.1", "private"],
  ["10.255.255.255", "private"],
  ["100.64.0.1", "cgnat"],
  ["100.127.255.255", "cgnat"],
  ["127.0.0.1", "loopback"],
  ["127.255.0.9", "loopback"],
  ["169.254.169.254", "link-local"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["192.0.0.8", "reserved"],
  ["192.0.2.10", "documentation"],
  ["192.88.99.1", "reserved"],
  ["192.168.1.1", "private"],
  ["198.18.0.1", "reserved"],
  ["198.19.255.255", "reserved"],
  ["198.51.100.7", "documentation"],
  ["203.0.113.99", "documentation"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["240.0.0.1", "reserved"],
  ["255.255.255.255", "reserved"],
  // just outside the ranges above
  ["9.255.255.255", "public"],
  ["11.0.0.0", "public"],
  ["100.63.255.255", "public"],
  ["100.128.0.0", "public"],
  ["172.15.255.255", "public"],
  ["172.32.0.0", "public"],
  ["169.253.255.255", "public"],
  ["198.17.255.255", "public"],
  ["198.20.0.0", "public"],
  ["223.255.255.255", "public"],
  ["8.8.8.8", "public"],
  ["1.1.1.1", "public"],
  // IPv6
  ["::", "unspecified"],
  ["::1", "loopback"],
  ["0:0:0:0:0:0:0:1", "loopback"],
  ["fe80::1", "link-local"],
  ["fe80::1%eth0", "link-local"],
  ["febf:ffff::1", "link-local"],
  ["fc00::1", "private"],
  ["fd12:3456:789a::1", "private"],
  ["fec0::1", "private"],
  ["ff02::1", "multicast"],
  ["2001:db8::1", "documentation"],
  ["3fff::1", "documentation"],
  ["2001::1", "reserved"], // Teredo
  ["2001:2::1", "reserved"], // benchmarking
  ["100::1", "reserved"],
  ["64:ff9b:1::1", "private"],
  ["::2", "reserved"], // outside global unicast
  ["4000::1", "reserved"],
  ["2606:4700:4700::1111", "public"],
  ["2a00:1450:4001:82b::200e", "public"],
  // IPv6 carrying IPv4: judged by the IPv4 address
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:10.0.0.1", "private"],
  ["::ffff:169.254.169.254", "link-local"],
  ["0:0:0:0:0:ffff:a9fe:a9fe", "link-local"],
  ["::ffff:8.8.8.8", "public"],
  ["64:ff9b::10.0.0.1", "private"],
  ["64:ff9b::a00:1", "private"],
  ["64:ff9b::8.8.8.8", "public"],
  ["2002:a00:1::1", "private"], // 6to4 of 10.0.0.1
  ["2002:7f00:1::", "loopback"],
  ["2002:808:808::1", "public"],
];

describe("classifyAddress", () => {
  it.each(cases)("%s is %s", (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it("throws for anything that is not an IP address", () => {
    for (const notAnAddress of ["localhost", "10.0.0", "1.2.3.4.5", "::g", "", "http://10.0.0.1"]) {
      expect(() => classifyAddress(notAnAddress)).toThrow(TypeError);
    }
  });
});
