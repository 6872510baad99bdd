#!/usr/bin/env python3
# Usage: python3 scripts/wasm-size.py FILE.wasm [--top N] [--brotli K] [--groups] [--data-aware [--strict]] [--what-if REGEX ...] [--crate NAME] [--grep REGEX] [--tsv OUT]
# FILE needs a "name" section: "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/driftfire.wasm" (cargo's output), not dist/ (stripped).
"""Size breakdown of a wasm module by section, crate and function, plus data-section blobs.

No dependencies beyond python3 (brotli CLI used if present for compressed-share estimates,
zlib otherwise). Crate attribution for Rust legacy (_ZN..E) and v0 (_R..) symbols:
  * plain path  a::b::c            -> a
  * <T as Trait>::m                -> crate of T, unless T is generic/primitive/std container-ish
                                      (then crate of Trait)
  * <impl on T>  (<T>::m)          -> crate of T
Legacy mangling erases the concrete generic arguments of an instantiation, so e.g.
`<alloc::vec::Vec<T> as Drop>::drop` stays under `alloc` whoever instantiated it.
"""
import argparse, collections, re, shutil, subprocess, sys, zlib

# ---------------------------------------------------------------- wasm parsing
SECTION_NAMES = {0: 'custom', 1: 'type', 2: 'import', 3: 'function', 4: 'table', 5: 'memory',
                 6: 'global', 7: 'export', 8: 'start', 9: 'element', 10: 'code', 11: 'data',
                 12: 'datacount', 13: 'tag'}


class R:
    def __init__(self, d, p=0):
        self.d, self.p = d, p

    def u(self):
        r = s = 0
        while True:
            b = self.d[self.p]; self.p += 1
            r |= (b & 0x7f) << s; s += 7
            if b < 0x80:
                return r

    def byte(self):
        b = self.d[self.p]; self.p += 1; return b

    def name(self):
        n = self.u(); s = self.d[self.p:self.p + n]; self.p += n
        return s.decode('utf-8', 'replace')

    def skip_const_expr(self):
        # skip until 0x0b (end); good enough for i32.const/i64.const/global.get exprs
        while True:
            op = self.byte()
            if op == 0x0b:
                return
            if op in (0x41, 0x42, 0x23):
                # signed LEB: same byte structure
                self.u()
            elif op == 0x44:
                self.p += 8
            elif op == 0x43:
                self.p += 4


def parse(d):
    assert d[:4] == b'\0asm', 'not a wasm file'
    r = R(d, 8)
    sections = []          # (id, name, start, size)
    n_imported_funcs = 0
    bodies = []            # (offset, size) in code section order
    names = {}
    data_segs = []         # (offset_in_file, size, mem_offset or None)
    roots = set()          # exported / start functions
    table_funcs = set()    # functions in element segments (reachable through call_indirect)
    table = {}             # table index -> function index (active segments with i32.const offsets)
    while r.p < len(d):
        sid = r.byte(); size = r.u(); start = r.p
        cname = ''
        if sid == 0:
            cname = R(d, start).name()
        sections.append((sid, cname, start, size))
        s = R(d, start)
        if sid == 2:
            for _ in range(s.u()):
                s.name(); s.name(); kind = s.byte()
                if kind == 0:
                    s.u(); n_imported_funcs += 1
                elif kind == 1:
                    s.byte(); fl = s.u(); s.u()
                    if fl & 1: s.u()
                elif kind == 2:
                    fl = s.u(); s.u()
                    if fl & 1: s.u()
                elif kind == 3:
                    s.byte(); s.byte()
                elif kind == 4:
                    s.byte(); s.u()
        elif sid == 10:
            for _ in range(s.u()):
                sz = s.u(); bodies.append((s.p, sz)); s.p += sz
        elif sid == 7:
            for _ in range(s.u()):
                s.name(); k = s.byte(); idx = s.u()
                if k == 0:
                    roots.add(idx)
        elif sid == 8:
            roots.add(s.u())
        elif sid == 9:
            for _ in range(s.u()):
                fl = s.u()
                if fl & 2 and not fl & 1 and fl != 2 and fl != 6:
                    pass
                toff = None
                if fl in (0, 4, 2, 6):
                    if fl in (2, 6):
                        s.u()
                    p0 = s.p
                    if d[s.p] == 0x41:
                        s.p += 1; toff = sleb(s)
                    s.p = p0
                    s.skip_const_expr()
                if fl in (1, 2, 3, 5, 6, 7):
                    if fl in (1, 2, 3):
                        s.byte()      # elemkind
                    else:
                        s.byte()      # reftype
                n = s.u()
                for j in range(n):
                    fi = None
                    if fl & 4:        # expressions: ref.func idx end
                        op = s.byte()
                        if op == 0xd2:
                            fi = s.u(); s.byte()
                        else:
                            s.p -= 1; s.skip_const_expr()
                    else:
                        fi = s.u()
                    if fi is not None:
                        table_funcs.add(fi)
                        if toff is not None:
                            table[toff + j] = fi
        elif sid == 11:
            for _ in range(s.u()):
                fl = s.u(); memoff = None
                if fl == 0:
                    p0 = s.p
                    if d[s.p] == 0x41:
                        s.p += 1; memoff = sleb(s)
                        s.p = p0
                    s.skip_const_expr()
                elif fl == 2:
                    s.u(); s.skip_const_expr()
                n = s.u(); data_segs.append((s.p, n, memoff)); s.p += n
        elif sid == 0 and cname == 'name':
            s.name()
            end = start + size
            while s.p < end:
                sub = s.byte(); ssz = s.u(); sp = s.p
                if sub == 1:
                    for _ in range(s.u()):
                        idx = s.u(); names[idx] = s.name()
                s.p = sp + ssz
        r.p = start + size
    return sections, n_imported_funcs, bodies, names, data_segs, roots, table_funcs, table


def sleb(s):
    r = sh = 0
    while True:
        b = s.byte(); r |= (b & 0x7f) << sh; sh += 7
        if b < 0x80:
            if b & 0x40:
                r -= 1 << sh
            return r


# ---------------------------------------------------------------- call graph
def direct_callees(d, off, size, consts=None):
    """function indices referenced by call / return_call / ref.func in one body;
    i32.const values and memarg offsets are added to `consts` if given"""
    r = R(d, off); end = off + size; out = set()
    for _ in range(r.u()):
        r.u(); r.byte()
    u = r.u
    while r.p < end:
        op = d[r.p]; r.p += 1
        if op in (0x10, 0x12, 0xd2):
            out.add(u())
        elif op in (0x02, 0x03, 0x04):
            u()
        elif op in (0x0c, 0x0d) or 0x20 <= op <= 0x26 or op in (0x3f, 0x40):
            u()
        elif op == 0x0e:
            for _ in range(u() + 1):
                u()
        elif op in (0x11, 0x13):
            u(); u()
        elif 0x28 <= op <= 0x3e:
            u(); mo = u()
            if consts is not None and mo:
                consts.add(mo)
        elif op == 0x41:
            if consts is not None:
                consts.add(sleb(r) & 0xffffffff)
            else:
                u()
        elif op == 0x42:
            u()
        elif op == 0x43:
            r.p += 4
        elif op == 0x44:
            r.p += 8
        elif op == 0x1c:
            for _ in range(u()):
                r.byte()
        elif op == 0xd0:
            r.byte()
        elif op == 0xfc:
            sub = u()
            if sub in (8,):
                u(); u()
            elif sub in (10,):
                u(); u()
            elif sub in (9, 11, 13, 15, 16, 17):
                u()
            elif sub in (12, 14):
                u(); u()
        elif op == 0xfd:
            raise ValueError('SIMD not supported by this decoder')
    return out


def call_graph(d, bodies, nimp, with_consts=False):
    if not with_consts:
        return [direct_callees(d, o, s) for o, s in bodies], None
    g = []; cs = []
    for o, s in bodies:
        c = set(); g.append(direct_callees(d, o, s, c)); cs.append(c)
    return g, cs


class DataAware:
    """Reachability through data: i32.const / memarg offsets in code that point into the data
    image are references to a data object, which spans up to the next referenced address; 4-byte
    words inside a reached object that are valid table indices (vtable slots, fn pointers) reach
    those functions, words that point into data reach further objects. i32.const values that are
    valid table indices count as function pointers too (noisy for small indices: conservative)."""

    def __init__(self, d, segs, table, consts, nimp, strict=False):
        self.strict = strict
        self.table = table; self.nimp = nimp; self.consts = consts
        lo = min(mo for _, _, mo in segs if mo is not None)
        hi = max(mo + n for _, n, mo in segs if mo is not None)
        mem = bytearray(hi - lo)
        for o, n, mo in segs:
            if mo is not None:
                mem[mo - lo:mo - lo + n] = d[o:o + n]
        self.lo, self.hi, self.mem = lo, hi, bytes(mem)
        import array
        words = array.array('I', self.mem[:len(self.mem) // 4 * 4])
        self.words = words
        refs = set()
        for c in consts:
            refs.update(v for v in c if lo <= v < hi)
        refs.update(v for v in words if lo <= v < hi)
        self.starts = sorted(refs)
        self.obj_cache = {}

    def object_refs(self, a):
        if a in self.obj_cache:
            return self.obj_cache[a]
        import bisect
        i = bisect.bisect_right(self.starts, a)
        end = self.starts[i] if i < len(self.starts) else self.hi
        end = min(end, a + (1 << 20))
        fs = set(); ds = set()
        w0 = (a - self.lo + 3) // 4; w1 = (end - self.lo) // 4
        hits = 0
        for v in self.words[w0:w1]:
            if self.lo <= v < self.hi:
                ds.add(v); hits += 1
            elif v in self.table:
                fs.add(self.table[v]); hits += 1
        # big objects with few pointer-like words are blobs (fonts, unicode tables, strings):
        # their pointer-like words are coincidences
        # objects holding pointers are 4-aligned; unaligned ones are strings/byte tables
        if a % 4 or (w1 - w0 > 64 and hits < 0.25 * (w1 - w0)):
            fs = set(); ds = set()
        elif w1 - w0 > (4 if self.strict else 64):
            # big object: keep fn refs only if it looks like a vtable (drop, size, align, methods...)
            # or a dense array of fn pointers; big integer tables (unicode ranges) would add noise
            ws_ = self.words[w0:w1]
            vt = len(ws_) >= 3 and ws_[2] in (1, 2, 4, 8, 16, 32, 64) and ws_[1] % ws_[2] == 0
            fnref = sum(1 for v in ws_ if v in self.table and not (self.lo <= v < self.hi))
            if not vt and fnref < 0.9 * len(ws_):
                fs = set()
        self.obj_cache[a] = (fs, ds)
        return fs, ds

    def reachable(self, graph, roots, blocked=frozenset()):
        lo, hi, table, nimp = self.lo, self.hi, self.table, self.nimp
        seen = set(); seen_d = set()
        stack = [r for r in roots if r >= nimp and r not in blocked]; dstack = []
        while stack or dstack:
            while stack:
                f = stack.pop()
                if f in seen:
                    continue
                seen.add(f)
                i = f - nimp
                for c in graph[i]:
                    if c >= nimp and c not in seen and c not in blocked:
                        stack.append(c)
                for v in self.consts[i]:
                    if lo <= v < hi:
                        if v not in seen_d:
                            dstack.append(v)
                    elif v in table:
                        c = table[v]
                        if c not in seen and c not in blocked:
                            stack.append(c)
            while dstack:
                a = dstack.pop()
                if a in seen_d:
                    continue
                seen_d.add(a)
                fs, ds = self.object_refs(a)
                for c in fs:
                    if c >= nimp and c not in seen and c not in blocked:
                        stack.append(c)
                for v in ds:
                    if v not in seen_d:
                        dstack.append(v)
        self.last_data = seen_d
        return seen

    def data_bytes(self, objs):
        import bisect
        out = []
        for a in objs:
            i = bisect.bisect_right(self.starts, a)
            end = self.starts[i] if i < len(self.starts) else self.hi
            out.append((a, min(end, a + (1 << 20))))
        return out


def reachable(graph, nimp, roots, blocked=frozenset()):
    seen = set(blocked); stack = [r for r in roots if r >= nimp and r not in blocked]
    while stack:
        f = stack.pop()
        if f in seen:
            continue
        seen.add(f)
        for c in graph[f - nimp]:
            if c >= nimp and c not in seen:
                stack.append(c)
    return seen - set(blocked)


# ---------------------------------------------------------------- demangling
LEGACY_ESC = {'$SP$': '@', '$BP$': '*', '$RF$': '&', '$LT$': '<', '$GT$': '>', '$LP$': '(',
              '$RP$': ')', '$C$': ',', '$u20$': ' ', '$u27$': "'", '$u5b$': '[', '$u5d$': ']',
              '$u7b$': '{', '$u7d$': '}', '$u3b$': ';', '$u2b$': '+', '$u22$': '"', '$u7e$': '~',
              '$u3d$': '=', '$u21$': '!', '$u2f$': '/', '$u3a$': ':', '$u23$': '#', '$u26$': '&'}
ESC_RE = re.compile(r'\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]{2,6})\$')


def _unesc(m):
    k = m.group(0)
    if k in LEGACY_ESC:
        return LEGACY_ESC[k]
    if k.startswith('$u'):
        try:
            return chr(int(k[2:-1], 16))
        except ValueError:
            return k
    return k


def demangle_legacy(sym):
    # _ZN <len ident>* E ; returns list of segments (hash segment dropped)
    m = sym
    if m.startswith('__ZN'):
        m = m[1:]
    if not m.startswith('_ZN'):
        return None
    p = 3; segs = []
    while p < len(m) and m[p] != 'E':
        q = p
        while q < len(m) and m[q].isdigit():
            q += 1
        if q == p:
            return None
        n = int(m[p:q]); seg = m[q:q + n]; p = q + n
        seg = seg.replace('..', '::')
        if seg.startswith('_$'):
            seg = seg[1:]
        seg = ESC_RE.sub(_unesc, seg)
        segs.append(seg)
    if segs and re.fullmatch(r'h[0-9a-f]{16}', segs[-1]):
        segs = segs[:-1]
    return segs


V0_CRATE = re.compile(r'C(?:s[0-9a-zA-Z]*_)?(\d+)(_?[A-Za-z_][A-Za-z0-9_]*)')


def v0_crates(sym):
    out = []
    for m in V0_CRATE.finditer(sym):
        n = int(m.group(1)); ident = m.group(2)
        if ident.startswith('_') and len(ident) > n:
            ident = ident[1:]
        out.append(ident[:n])
    return out


GENERICISH = re.compile(r'^(?:[A-Z]\w{0,2}|\(.*\)|\[.*\]|&.*|\*.*|dyn .*|fn\(.*|bool|char|str|[iu](?:8|16|32|64|128|size)|f32|f64|_)$')
STD_CRATES = {'core', 'alloc', 'std'}


def split_top(s):
    """'<A as B>::x::y' -> ('A', 'B'); '<A>::x' -> ('A', None); else None"""
    if not s.startswith('<'):
        return None
    depth = 0
    for i, c in enumerate(s):
        if c == '<':
            depth += 1
        elif c == '>':
            depth -= 1
            if depth == 0:
                inner = s[1:i]
                break
    else:
        return None
    depth = 0
    for i in range(len(inner)):
        c = inner[i]
        if c in '<([':
            depth += 1
        elif c in '>)]':
            depth -= 1
        elif depth == 0 and inner.startswith(' as ', i):
            return inner[:i], inner[i + 4:]
    return inner, None


def first_crate(path):
    path = path.strip().lstrip('&*').replace('mut ', '').replace('const ', '').replace('dyn ', '').strip()
    if path.startswith('<'):
        st = split_top(path)
        if st:
            return attribute_pair(*st)
    m = re.match(r'([A-Za-z_][A-Za-z0-9_]*)::', path)
    return m.group(1) if m else None


def attribute_pair(self_ty, trait):
    st = self_ty.strip()
    base = st.lstrip('&*').replace('mut ', '').strip()
    c = None
    if not GENERICISH.match(base):
        c = first_crate(base)
    if trait is not None:
        tc = first_crate(trait)
        # core::fmt::Debug etc. impl on a crate's own type: use the type's crate.
        if c is None or (c in STD_CRATES and tc and tc not in STD_CRATES):
            return tc or c
    return c


def full_name(sym):
    segs = demangle_legacy(sym)
    if segs is not None:
        return '::'.join(segs)
    return HASH_SUFFIX.sub('', sym)


def crate_of(sym):
    if sym.startswith('_ZN') or sym.startswith('__ZN'):
        segs = demangle_legacy(sym)
        if not segs:
            return '<unknown>'
        head = segs[0]
        if head.startswith('<'):
            st = split_top(head)
            c = attribute_pair(*st) if st else None
            return c or '<generic>'
        return head
    if sym.startswith('_R') and not '::' in sym:
        cs = v0_crates(sym)
        return cs[0] if cs else '<v0?>'
    dm = demangled_crate(sym)
    if dm:
        return dm
    if sym.startswith('__wbindgen') or sym.startswith('__wbg') or 'wbindgen' in sym:
        return 'wasm_bindgen(glue)'
    if sym in ('memcpy', 'memmove', 'memset', 'memcmp', 'bcmp') or sym.startswith('__'):
        return 'compiler_builtins/libc'
    if 'malloc' in sym or sym in ('free', 'realloc', 'calloc'):
        return 'dlmalloc'
    return '<unmangled>'


HASH_SUFFIX = re.compile(r'(?:::h[0-9a-f]{16})?(?:\[\d+\])?$')


def demangled_crate(sym):
    """already-demangled names (wasm-bindgen demangles the name section): 'a::b::h0123..'"""
    s = HASH_SUFFIX.sub('', sym)
    if s.startswith('<'):
        st = split_top(s)
        c = attribute_pair(*st) if st else None
        return c or ('<generic>' if st else None)
    m = re.match(r'([A-Za-z_][A-Za-z0-9_]*)::', s)
    return m.group(1) if m else None


# ---------------------------------------------------------------- compression
BROTLI = shutil.which('brotli')


def csize(b, q=9):
    if not b:
        return 0
    if BROTLI:
        return len(subprocess.run([BROTLI, '-c', '-q', str(q), '-w', '24'], input=b,
                                  stdout=subprocess.PIPE, check=True).stdout)
    return len(zlib.compress(b, 9))


# ---------------------------------------------------------------- data blobs
WGSL_HINTS = re.compile(rb'@(?:vertex|fragment|compute|group\(|location\()|#define_import_path|#import |fn [a-z_]+\(')


def printable_runs(buf, minlen=256):
    for m in re.finditer(rb'[\t\n\r\x20-\x7e]{%d,}' % minlen, buf):
        yield m.start(), m.group(0)


def find_fonts(buf):
    out = []
    for m in re.finditer(rb'(?:\x00\x01\x00\x00|OTTO|true)(\x00[\x05-\x30])', buf):
        p = m.start(); n = int.from_bytes(buf[p + 4:p + 6], 'big')
        tags = []; end = 0; ok = True
        for i in range(n):
            e = p + 12 + 16 * i
            tag = buf[e:e + 4]
            if not re.fullmatch(rb'[A-Za-z0-9/ ]{4}', tag):
                ok = False; break
            off = int.from_bytes(buf[e + 8:e + 12], 'big'); ln = int.from_bytes(buf[e + 12:e + 16], 'big')
            tags.append(tag.decode()); end = max(end, off + ln)
        if ok and {'cmap', 'head'} <= set(tags) and 0 < end < 50_000_000:
            name = ''
            mm = re.search(rb'(F\x00i\x00r\x00a\x00[ -~\x00]{2,60})', buf[p:p + end])
            if mm:
                name = mm.group(1).replace(b'\x00', b'').decode(errors='replace')
            out.append((p, end, tags, name))
    return out


MAGICS = [(b'\x89PNG\r\n\x1a\n', 'png'), (b'\xabKTX 20\xbb', 'ktx2'), (b'\x28\xb5\x2f\xfd', 'zstd-frame'),
          (b'RIFF', 'riff/wav'), (b'OggS', 'ogg'), (b'\xff\xd8\xff', 'jpeg'), (b'GIF8', 'gif'),
          (b'wOFF', 'woff'), (b'wOF2', 'woff2')]


GROUPS = [
    ('reflection (bevy_reflect, erased_serde, inventory)', r'^(bevy_reflect|erased_serde|inventory|downcast_rs)$'),
    ('naga + naga_oil + shader preproc', r'^(naga|naga_oil|pp_rs|codespan_reporting|data_encoding|hexf_parse|spirv|termcolor)$'),
    ('wgpu (core/hal/types/glow)', r'^(wgpu|wgpu_core|wgpu_hal|wgpu_types|glow|naga_types)$'),
    ('text (parley/harfrust/skrifa/swash/...)', r'^(harfrust|skrifa|read_fonts|font_types|swash|zeno|parley|fontique|yazi|icu_.*|parlance|linebender_resource_handle|unicode_bidi|unicode_script|unicode_linebreak|unicode_segmentation|core_maths)$'),
    ('regex (regex, automata, syntax, aho_corasick, matchers)', r'^(regex|regex_automata|regex_syntax|aho_corasick|matchers|memchr)$'),
    ('tracing / log', r'^(tracing|tracing_core|tracing_subscriber|tracing_wasm|tracing_log|sharded_slab|thread_local|log|nu_ansi_term)$'),
    ('ui layout (taffy, grid, slotmap)', r'^(taffy|grid|slotmap)$'),
    ('serde / ron / bincode', r'^(serde|serde_core|ron|bincode)$'),
    ('bevy_ecs (incl. its generic instantiations)', r'^bevy_ecs$'),
    ('core/alloc/std/hashbrown/indexmap generics', r'^(core|alloc|std|hashbrown|indexmap|smallvec|<generic>)$'),
    ('other bevy_*', r'^bevy_'),
    ('game (driftfire*)', r'^driftfire'),
]


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('wasm')
    ap.add_argument('--top', type=int, default=40)
    ap.add_argument('--brotli', type=int, default=15, help='compress code of the top K crates')
    ap.add_argument('--crate', action='append', default=[], help='also list top functions of this crate')
    ap.add_argument('--grep', action='append', default=[], help='sum code bytes of functions whose demangled name matches REGEX')
    ap.add_argument('--what-if', action='append', default=[], metavar='REGEX',
                    help='code that becomes unreachable if functions matching REGEX were deleted (with their table '
                         'entries); direct calls only, all other table entries stay roots, so usually a lower bound')
    ap.add_argument('--data-aware', action='store_true',
                    help='what-if: follow fn pointers/vtables through the data section instead of treating every table entry as live')
    ap.add_argument('--groups', action='store_true',
                    help='crate-group table with brotli leave-one-out (marginal) contribution')
    ap.add_argument('--strict', action='store_true',
                    help='data-aware: follow fn pointers only in vtable-like or tiny (<=16 B) data objects (less noise, more false negatives)')
    ap.add_argument('--tsv', help='write every function: size, crate, name')
    a = ap.parse_args()

    d = open(a.wasm, 'rb').read()
    sections, nimp, bodies, names, segs, roots, table_funcs, table = parse(d)
    print(f'# {a.wasm}: {len(d):,} bytes, {len(bodies):,} defined functions, {nimp} imported functions')
    print('\n## Sections')
    print(f'{"section":<28}{"bytes":>14}{"%":>7}')
    for sid, cname, st, sz in sections:
        lab = SECTION_NAMES.get(sid, str(sid)) + (f' "{cname}"' if cname else '')
        print(f'{lab:<28}{sz:>14,}{100 * sz / len(d):>7.1f}')
    if not names:
        print('\n!! no "name" section (or no function names): crate/function tables unavailable.')
        print('   use a pre-wasm-opt build, e.g. target/wasm-bindgen/release/*_bg.wasm or target/wasm32-unknown-unknown/<profile>/*.wasm')
    code_total = sum(sz for _, sz in bodies)

    funcs = []  # (size, crate, name, offset)
    for i, (off, sz) in enumerate(bodies):
        sym = names.get(nimp + i, f'<func{nimp + i}>')
        funcs.append((sz, crate_of(sym), full_name(sym), off))

    by_crate = collections.defaultdict(lambda: [0, 0])
    for sz, c, _, _ in funcs:
        by_crate[c][0] += sz; by_crate[c][1] += 1
    ranked = sorted(by_crate.items(), key=lambda kv: -kv[1][0])

    # compressed estimates
    total_c = csize(b''.join(d[o:o + s] for s, _, _, o in funcs), 9)
    cshare = {}
    for c, _ in ranked[:a.brotli]:
        cshare[c] = csize(b''.join(d[o:o + s] for s, cc, _, o in funcs if cc == c), 9)
    comp = 'brotli -q9' if BROTLI else 'zlib -9'

    print(f'\n## Top {a.top} crates by code bytes (code section total {code_total:,}; all code {comp}: {total_c:,})')
    print(f'{"crate":<34}{"code bytes":>12}{"%code":>7}{"funcs":>8}{"  " + comp + " alone":>20}{"%":>6}')
    for c, (sz, n) in ranked[:a.top]:
        cs = cshare.get(c)
        cst = f'{cs:>20,}{100 * cs / total_c:>6.1f}' if cs is not None else ''
        print(f'{c:<34}{sz:>12,}{100 * sz / code_total:>7.1f}{n:>8,}{cst}')
    print('  (per-crate compressed sizes are standalone; their sum exceeds the whole since cross-crate redundancy is lost)')

    if a.groups:
        print(f'\n## Crate groups (marginal = {comp}(all code) - {comp}(all code without the group))')
        print(f'{"group":<58}{"code bytes":>12}{"funcs":>8}{"marginal":>10}{"%":>6}')
        assigned = set()
        for gname, grx in GROUPS:
            rx = re.compile(grx)
            idx = {i for i, f in enumerate(funcs) if rx.search(f[1]) and i not in assigned}
            assigned |= idx
            rest = b''.join(d[f[3]:f[3] + f[0]] for i, f in enumerate(funcs) if i not in idx)
            marg = total_c - csize(rest, 9)
            sz = sum(funcs[i][0] for i in idx)
            print(f'{gname:<58}{sz:>12,}{len(idx):>8,}{marg:>10,}{100 * marg / total_c:>6.1f}')
        sz = sum(f[0] for i, f in enumerate(funcs) if i not in assigned)
        print(f'{"(everything else)":<58}{sz:>12,}{len(funcs) - len(assigned):>8,}')

    print(f'\n## Top {a.top} functions')
    for sz, c, nm, _ in sorted(funcs, key=lambda f: -f[0])[:a.top]:
        print(f'{sz:>10,}  {c:<22} {nm[:150]}')

    fam = collections.defaultdict(lambda: [0, 0])
    for sz, c, nm, _ in funcs:
        fam[nm][0] += sz; fam[nm][1] += 1
    print(f'\n## Top {a.top // 2} monomorphized families (same demangled name, >1 copy)')
    for nm, (sz, n) in sorted(((k, v) for k, v in fam.items() if v[1] > 1), key=lambda kv: -kv[1][0])[:a.top // 2]:
        print(f'{sz:>10,} {n:>6}x  {nm[:140]}')

    for cr in a.crate:
        fs = sorted((f for f in funcs if f[1] == cr), key=lambda f: -f[0])
        print(f'\n## crate {cr}: {sum(f[0] for f in fs):,} bytes in {len(fs)} functions; top 25')
        for sz, c, nm, _ in fs[:25]:
            print(f'{sz:>10,}  {nm[:160]}')

    for g in a.grep:
        rx = re.compile(g)
        fs = [f for f in funcs if rx.search(f[2])]
        b = b''.join(d[f[3]:f[3] + f[0]] for f in fs)
        print(f'\n## grep /{g}/: {len(fs)} functions, {len(b):,} bytes, {comp} {csize(b):,}')

    if a.what_if:
        graph, consts = call_graph(d, bodies, nimp, with_consts=True)
        if a.data_aware:
            da = DataAware(d, segs, table, consts, nimp, strict=a.strict)
            reach = lambda bl=frozenset(): da.reachable(graph, roots, bl)
            how = 'exports + data-aware (vtables/fn pointers through the data image)'
        else:
            reach = lambda bl=frozenset(): reachable(graph, nimp, roots | table_funcs, bl)
            how = 'exports + every table entry (direct calls only)'
        base = reach()
        base_data = set(da.last_data) if a.data_aware else None
        print(f'\n## what-if (call graph: {len(base):,}/{len(bodies):,} functions reachable from {how})')
        for g in a.what_if:
            rx = re.compile(g)
            gone = {nimp + i for i, f in enumerate(funcs) if rx.search(f[2])}
            live = reach(gone)
            # functions matching REGEX are forced dead even if called directly from live code
            dead = [i for i in range(len(funcs)) if (nimp + i) in base and ((nimp + i) not in live or (nimp + i) in gone)]
            b = b''.join(d[funcs[i][3]:funcs[i][3] + funcs[i][0]] for i in dead)
            bc = collections.Counter()
            for i in dead:
                bc[funcs[i][1]] += funcs[i][0]
            print(f'  /{g}/: {len(gone)} matching; {len(dead):,} functions, {len(b):,} bytes removable, {comp} {csize(b):,}')
            print('     by crate: ' + ', '.join(f'{k} {v:,}' for k, v in bc.most_common(10)))
            if base_data is not None:
                spans = da.data_bytes(base_data - da.last_data)
                db = b''.join(da.mem[x - da.lo:y - da.lo] for x, y in sorted(spans))
                print(f'     data objects no longer referenced (approx.): {len(spans):,}, {len(db):,} bytes, {comp} {csize(db):,}')

    # data
    dtot = sum(n for _, n, _ in segs)
    print(f'\n## Data: {len(segs)} segments, {dtot:,} bytes ({comp} of all data: {csize(b"".join(d[o:o + n] for o, n, _ in segs)):,})')
    for o, n, mo in sorted(segs, key=lambda s: -s[1])[:8]:
        print(f'  segment @mem {mo}: {n:,} bytes')
    blob = b''.join(d[o:o + n] for o, n, _ in segs)
    fonts = find_fonts(blob)
    for p, ln, tags, nm in fonts:
        print(f'  font (sfnt) at data+{p:#x}: {ln:,} bytes, {comp} {csize(blob[p:p + ln]):,}; {nm!r}; {len(tags)} tables')
    for mg, lab in MAGICS:
        cnt = blob.count(mg)
        if cnt and lab in ('png', 'ktx2', 'woff', 'woff2', 'ogg', 'gif'):
            print(f'  magic {lab}: {cnt} occurrence(s)')
    wgsl = [(p, r) for p, r in printable_runs(blob, 200) if len(WGSL_HINTS.findall(r)) >= 2]
    wb = b''.join(r for _, r in wgsl)
    print(f'  WGSL-looking strings: {len(wgsl)} runs, {len(wb):,} bytes, {comp} {csize(wb):,}')
    for p, r in sorted(wgsl, key=lambda x: -len(x[1]))[:12]:
        m = re.search(rb'#define_import_path\s+([\w:]+)', r)
        print(f'    {len(r):>8,}  {m.group(1).decode() if m else r[:60]!r}')
    txt = sum(len(r) for _, r in printable_runs(blob, 32))
    print(f'  printable ASCII runs >=32 chars (panic msgs, paths, shaders...): {txt:,} bytes')
    paths = re.findall(rb'/root/\.cargo/registry/src/[^/]+/([A-Za-z0-9_\-]+?)-\d[\w.\-+]*/', blob)
    cnt = collections.Counter(p.decode() for p in paths)
    plen = sum(len(m.group(0)) for m in re.finditer(rb'(?:/root/\.cargo/registry/src/|/rustc/|/work/main/)[\x21-\x7e]+?\.rs', blob))
    print(f'  source-path strings (Location for panics): {len(paths)} registry refs, ~{plen:,} bytes; most-referenced crates: ' +
          ', '.join(f'{k}({v})' for k, v in cnt.most_common(12)))

    if a.tsv:
        with open(a.tsv, 'w') as f:
            for sz, c, nm, _ in funcs:
                f.write(f'{sz}\t{c}\t{nm}\n')


if __name__ == '__main__':
    main()
