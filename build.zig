//! Builds the engine's C core (csrc/) with Zig 0.11: the shared library zig-out/lib/libhftcore.so
//! that src/book/ffi.ts loads, and `zig build test`, which runs the C unit tests (book and depth
//! decoder), the randomized book differential test and the depth decoder's corpus fuzz run (frames
//! recorded from the simulator, csrc/test/corpus/, and hostile variants of them), then the unit
//! tests, the randomized test and the fuzz run once more under -fsanitize=address,undefined (and the
//! decoder's and the book's unit tests and a shorter randomized test a third time, built without
//! SSE2: their portable paths).
//! Zig 0.11 ships no AddressSanitizer runtime, so the sanitizer run compiles with the system C
//! compiler (`cc`, override with -Dcc=...). Library sources are every csrc/src/*.c, exactly the set
//! the cc fallback in src/bootstrap.ts compiles; keep the flags below in step with it.
const std = @import("std");

const common_flags = [_][]const u8{ "-std=c11", "-Wall", "-Wextra", "-fno-fast-math" };
const release_flags = common_flags ++ [_][]const u8{ "-DNDEBUG", "-fvisibility=hidden" };
// Tests keep assertions on (no NDEBUG).
const test_flags = common_flags ++ [_][]const u8{"-g"};
/// Depth frames recorded from the simulator (test/support/record-depth-corpus.ts), for the fuzz run.
const corpus = [_][]const u8{ "csrc/test/corpus/binance.txt", "csrc/test/corpus/okx.txt" };

/// Every .c file in csrc/src, sorted, as build-root-relative paths.
fn librarySources(b: *std.Build) []const []const u8 {
    var list = std.ArrayList([]const u8).init(b.allocator);
    var dir = b.build_root.handle.openIterableDir("csrc/src", .{}) catch @panic("cannot open csrc/src");
    defer dir.close();
    var it = dir.iterate();
    while (it.next() catch @panic("cannot list csrc/src")) |entry| {
        if (entry.kind == .file and std.mem.endsWith(u8, entry.name, ".c")) {
            list.append(b.fmt("csrc/src/{s}", .{entry.name})) catch @panic("OOM");
        }
    }
    const items = list.toOwnedSlice() catch @panic("OOM");
    std.mem.sort([]const u8, items, {}, struct {
        fn lessThan(_: void, a: []const u8, c: []const u8) bool {
            return std.mem.lessThan(u8, a, c);
        }
    }.lessThan);
    return items;
}

/// A C test program built from the library sources plus one test file.
fn cTest(b: *std.Build, name: []const u8, file: []const u8, sources: []const []const u8, target: std.zig.CrossTarget) *std.Build.Step.Compile {
    const exe = b.addExecutable(.{ .name = name, .target = target, .optimize = .Debug });
    exe.addCSourceFiles(sources, &test_flags);
    exe.addCSourceFiles(&.{file}, &test_flags);
    exe.addIncludePath(.{ .path = "csrc/include" });
    exe.addIncludePath(.{ .path = "csrc/test" });
    exe.linkLibC();
    return exe;
}

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    const sanitize = b.option(bool, "sanitize", "also run the randomized test under ASan+UBSan (default true)") orelse true;
    const cc = b.option([]const u8, "cc", "C compiler for the sanitizer run (default cc)") orelse "cc";
    // The image ships the library stripped (no symbols or debug info to read or to carry).
    const strip = b.option(bool, "strip", "strip symbols and debug info from the library (default false)") orelse false;
    const sources = librarySources(b);

    const lib = b.addSharedLibrary(.{ .name = "hftcore", .target = target, .optimize = optimize });
    lib.addCSourceFiles(sources, if (optimize == .Debug) &test_flags else &release_flags);
    lib.addIncludePath(.{ .path = "csrc/include" });
    lib.linkLibC();
    lib.strip = strip;
    b.installArtifact(lib);

    const test_step = b.step("test", "C unit tests, randomized differential test, and its ASan+UBSan run");

    const unit = b.addRunArtifact(cTest(b, "test_book", "csrc/test/test_book.c", sources, target));
    unit.expectExitCode(0);
    unit.has_side_effects = true; // always run: `zig build test` must test, not replay a cached pass
    test_step.dependOn(&unit.step);

    const random = b.addRunArtifact(cTest(b, "random_book", "csrc/test/random_book.c", sources, target));
    random.addArgs(&.{ "20261125", "1000000" });
    random.expectExitCode(0);
    random.has_side_effects = true;
    test_step.dependOn(&random.step);

    const depth_unit = b.addRunArtifact(cTest(b, "test_depth", "csrc/test/test_depth.c", sources, target));
    depth_unit.expectExitCode(0);
    depth_unit.has_side_effects = true;
    test_step.dependOn(&depth_unit.step);

    const fuzz = b.addRunArtifact(cTest(b, "fuzz_depth", "csrc/test/fuzz_depth.c", sources, target));
    fuzz.addArgs(&.{ "20261206", "60", corpus[0], corpus[1] });
    fuzz.expectExitCode(0);
    fuzz.has_side_effects = true;
    test_step.dependOn(&fuzz.step);

    if (sanitize) {
        // cc -fsanitize=... then run; `set -e` makes a compile error or a finding fail the step.
        // -fno-sanitize-recover=all turns every UBSan report into a non-zero exit.
        var script = std.ArrayList(u8).init(b.allocator);
        const w = script.writer();
        w.print("set -e; cd '{s}'; export ASAN_OPTIONS=detect_leaks=1", .{b.build_root.path orelse "."}) catch @panic("OOM");
        const programs = [_][2][]const u8{
            .{ "random_book", "7 1000000" },
            .{ "test_depth", "" },
            .{ "fuzz_depth", "7 40 " ++ corpus[0] ++ " " ++ corpus[1] },
        };
        for (programs) |prog| {
            const out = b.cache_root.join(b.allocator, &.{b.fmt("{s}_asan", .{prog[0]})}) catch @panic("OOM");
            w.print("; {s} -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all " ++
                "-fno-omit-frame-pointer -Wall -Wextra -Icsrc/include -Icsrc/test -o '{s}'", .{ cc, out }) catch @panic("OOM");
            for (sources) |s| w.print(" {s}", .{s}) catch @panic("OOM");
            w.print(" csrc/test/{s}.c -lm; '{s}' {s}", .{ prog[0], out, prog[1] }) catch @panic("OOM");
        }
        // The portable paths (no SSE2: the decoder's byte loops, the book's scalar batch test), which
        // other CPUs build, under the same sanitizers: compiled with __SSE2__ undefined.
        const portable_programs = [_][2][]const u8{
            .{ "test_depth", "" },
            .{ "test_book", "" },
            .{ "random_book", "11 200000" },
        };
        for (portable_programs) |prog| {
            const out = b.cache_root.join(b.allocator, &.{b.fmt("{s}_portable_asan", .{prog[0]})}) catch @panic("OOM");
            w.print("; {s} -std=c11 -O1 -g -U__SSE2__ -fsanitize=address,undefined -fno-sanitize-recover=all " ++
                "-fno-omit-frame-pointer -Wall -Wextra -Icsrc/include -Icsrc/test -o '{s}'", .{ cc, out }) catch @panic("OOM");
            for (sources) |s| w.print(" {s}", .{s}) catch @panic("OOM");
            w.print(" csrc/test/{s}.c -lm; '{s}' {s}", .{ prog[0], out, prog[1] }) catch @panic("OOM");
        }
        const asan = b.addSystemCommand(&.{ "sh", "-c", script.items });
        asan.expectExitCode(0);
        asan.has_side_effects = true;
        test_step.dependOn(&asan.step);
    }
}
