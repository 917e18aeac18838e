#!/usr/bin/python3
"""Writes test/fixtures/rencode-vectors.json: rencode test vectors produced by the real rencode.

Run with Debian's interpreter (it has python3-rencode, the Cython build deluged 2.x uses):

    /usr/bin/python3 scripts/gen-rencode-vectors.py [output.json]

Each vector is {"name", "hex", "value"} or {"name", "hex", "error"}:
- "hex" is what rencode.dumps produced (or, for hand-made inputs, bytes rencode.loads accepts/rejects);
- "value" is rencode.loads(bytes, decode_utf8=True) in a tagged JSON form:
  null / true / false / "string" / [list items] / {"int": "<decimal>"} /
  {"float": "<16 hex digits: the IEEE double, big-endian>"} / {"dict": [[key, value], ...]};
- "decode_only": true marks vectors whose bytes a JS encoder does not reproduce on purpose
  (integer-valued floats encode as ints in JS, float32-exact floats sent as float64 encode as float32,
  NaN, invalid UTF-8, long-form short strings);
- "error" names the RencodeDecodeError code expected for bytes that rencode.loads also rejects.
Output is deterministic (seeded random).
"""

import json
import math
import random
import struct
import sys

import rencode

DEFAULT_OUT = 'test/fixtures/rencode-vectors.json'
vectors = []


def tag(v):
    """The tagged JSON form of a decoded rencode value."""
    if v is None or isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, int):
        return {'int': str(v)}
    if isinstance(v, float):
        return {'float': struct.pack('>d', v).hex()}
    if isinstance(v, (list, tuple)):
        return [tag(x) for x in v]
    if isinstance(v, dict):
        return {'dict': [[tag(k), tag(x)] for k, x in v.items()]}
    raise TypeError(f'cannot tag {type(v).__name__}')


def is_float32_exact(f):
    return math.isinf(f) or struct.unpack('>f', struct.pack('>f', f))[0] == f


def js_encodes_differently(v, float_bits):
    """True when the JS encoder, by design, would not reproduce rencode.dumps(v) byte for byte."""
    if isinstance(v, float):
        if math.isnan(v) or v.is_integer():
            return True
        return float_bits == 64 and is_float32_exact(v)
    if isinstance(v, (list, tuple)):
        return any(js_encodes_differently(x, float_bits) for x in v)
    if isinstance(v, dict):
        return any(js_encodes_differently(k, float_bits) or js_encodes_differently(x, float_bits) for k, x in v.items())
    return False


def add(name, value, float_bits=32, expect_hex=None):
    """Encodes value with the real rencode and records it with its decoded form."""
    data = rencode.dumps(value, float_bits)
    if expect_hex is not None and data.hex() != expect_hex.replace(' ', ''):
        raise SystemExit(f'{name}: rencode gave {data.hex()}, reference says {expect_hex}')
    decoded = rencode.loads(data, decode_utf8=True)
    vector = {'name': name, 'hex': data.hex(), 'value': tag(decoded)}
    if js_encodes_differently(decoded, float_bits):
        vector['decode_only'] = True
    vectors.append(vector)


def add_raw(name, hex_bytes, error=None):
    """Hand-made bytes: decode-only if rencode.loads accepts them, an error vector if it rejects them."""
    data = bytes.fromhex(hex_bytes.replace(' ', ''))
    try:
        decoded = rencode.loads(data, decode_utf8=False)
    except Exception:
        if error is None:
            raise SystemExit(f'{name}: rencode rejects {hex_bytes}')
        vectors.append({'name': name, 'hex': data.hex(), 'error': error})
        return
    if error is not None:
        raise SystemExit(f'{name}: rencode accepts {hex_bytes}, expected {error}')

    def text(v):
        if isinstance(v, bytes):
            return v.decode('utf8', 'replace')
        if isinstance(v, (list, tuple)):
            return [text(x) for x in v]
        if isinstance(v, dict):
            return {text(k): text(x) for k, x in v.items()}
        return v

    vectors.append({'name': name, 'hex': data.hex(), 'value': tag(text(decoded)), 'decode_only': True})


def torrent_status(rng, i, seeding):
    """A realistic `core.get_torrents_status` entry with all 77 keys plus the Label plugin's."""
    tid = ''.join(rng.choice('0123456789abcdef') for _ in range(40))
    size = rng.randrange(1 << 20, 1 << 36)
    done = size if seeding else rng.randrange(0, size)
    return tid, {
        'active_time': rng.randrange(0, 10**7), 'all_time_download': done, 'auto_managed': True,
        'comment': '', 'completed_time': 1795463815 if seeding else 0, 'creator': 'mktorrent 1.1',
        'distributed_copies': 1.0499999523162842, 'download_location': '/data/downloads',
        'download_payload_rate': 0 if seeding else 208334, 'eta': 0 if seeding else -1,
        'file_priorities': (4, 4, 1, 0), 'file_progress': (1.0, 0.5, 0.25, 0.0),
        'files': ({'index': 0, 'path': f'Torrent {i}/video.mkv', 'size': size - 4096, 'offset': 0},
                  {'index': 1, 'path': f'Torrent {i}/Übersicht 日本.nfo', 'size': 4096, 'offset': size - 4096}),
        'finished_time': rng.randrange(0, 10**6), 'hash': tid, 'is_auto_managed': True,
        'is_finished': seeding, 'is_seed': seeding, 'last_seen_complete': 1795463000,
        'max_connections': -1, 'max_download_speed': -1, 'max_upload_slots': -1, 'max_upload_speed': -1,
        'message': 'OK', 'move_completed': False, 'move_completed_path': '/data/done',
        'move_on_completed': False, 'move_on_completed_path': '/data/done', 'name': f'Torrent {i} 🎬',
        'next_announce': 1740, 'num_files': 2, 'num_peers': 0 if seeding else 3, 'num_pieces': size >> 22,
        'num_seeds': 1, 'orig_files': (), 'owner': 'admin', 'paused': False,
        'peers': ({'client': 'libtorrent/2.0.8.0', 'country': '', 'down_speed': 208334,
                   'ip': '127.0.0.1:62611', 'progress': 1.0, 'seed': 1024, 'up_speed': 0},),
        'piece_length': 4194304, 'pieces': None if seeding else (3, 3, 1, 2, 0),
        'prioritize_first_last': False, 'prioritize_first_last_pieces': False, 'private': i % 2 == 0,
        'progress': 100.0 if seeding else 25.312501907348633, 'queue': -1 if seeding else i,
        'ratio': -1.0 if done == 0 else 0.25, 'remove_at_ratio': False, 'save_path': '/data/downloads',
        'seed_mode': False, 'seed_rank': 805306368, 'seeding_time': rng.randrange(0, 10**7),
        'seeds_peers_ratio': -1.0, 'sequential_download': False, 'shared': False, 'state':
        'Seeding' if seeding else 'Downloading', 'stop_at_ratio': False, 'stop_ratio': 2.0,
        'storage_mode': 'sparse', 'super_seeding': False, 'time_added': 1795400000 + i,
        'time_since_download': -1, 'time_since_transfer': 12, 'time_since_upload': -1, 'total_done': done,
        'total_payload_download': done, 'total_payload_upload': 2**40 + i, 'total_peers': -1,
        'total_remaining': size - done, 'total_seeds': -1, 'total_size': size, 'total_uploaded': 2**40 + i,
        'total_wanted': size, 'tracker': 'http://tracker.example.org:6969/announce', 'tracker_host':
        'example.org', 'tracker_status': 'Error: Connection refused', 'trackers': (
            {'url': 'http://tracker.example.org:6969/announce', 'trackerid': '', 'tier': 0, 'fail_limit': 0,
             'source': 1, 'verified': False, 'message': '', 'next_announce': None, 'min_announce': None,
             'scrape_incomplete': -1, 'scrape_complete': -1, 'scrape_downloaded': -1, 'fails': 1,
             'updating': False, 'start_sent': False, 'complete_sent': False, 'endpoints': (), 'send_stats': True},),
        'upload_payload_rate': 51200 if seeding else 0, 'label': 'movies',
    }


def random_value(rng, depth, budget):
    """A random rencodable value; `budget` (a one-item list) caps the total number of values.
    Floats are non-integral float32 values, so JS re-encodes them to the same bytes."""
    budget[0] -= 1
    kind = rng.randrange(9 if depth < 4 and budget[0] > 0 else 6)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randrange(-300, 300)
    if kind == 2:
        return rng.choice([rng.randrange(-2**70, 2**70), rng.randrange(-2**40, 2**40), rng.randrange(-2**64, 2**64)])
    if kind == 3:
        return (rng.randrange(-2**22, 2**22) * 2 + 1) / 2 ** rng.randrange(1, 24)
    if kind in (4, 5):
        return ''.join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(160, 0xd7ff), rng.randrange(0x10000, 0x10ffff)]))
                       for _ in range(rng.choice([0, 3, 40, 70])))
    if kind == 6:
        return [random_value(rng, depth + 1, budget) for _ in range(rng.choice([0, 2, 10, 70]))]
    if kind == 7:
        return {f'k{rng.randrange(10**6)}': random_value(rng, depth + 1, budget) for _ in range(rng.choice([0, 3, 30]))}
    return {rng.randrange(1000): random_value(rng, depth + 1, budget) for _ in range(rng.choice([1, 5, 27]))}


def main():
    # --- §2.3 reference vectors (checked against the table) ---------------------------------------
    for n, h in [(0, '00'), (1, '01'), (43, '2b'), (44, '3e2c'), (-1, '46'), (-32, '65'), (-33, '3edf'),
                 (127, '3e7f'), (128, '3f0080'), (-128, '3e80'), (-129, '3fff7f'), (32767, '3f7fff'),
                 (32768, '4000008000'), (-32768, '3f8000'), (-32769, '40ffff7fff'), (2**31 - 1, '407fffffff'),
                 (2**31, '410000000080000000'), (-2**31, '4080000000'), (-2**31 - 1, '41ffffffff7fffffff'),
                 (2**63 - 1, '417fffffffffffffff'), (-2**63, '418000000000000000'),
                 (2**63, '3d' + b'9223372036854775808'.hex() + '7f'),
                 (-2**63 - 1, '3d' + b'-9223372036854775809'.hex() + '7f')]:
        add(f'int {n}', n, expect_hex=h)
    add('int 10^30', 10**30, expect_hex='3d31' + '30' * 30 + '7f')
    add('True', True, expect_hex='43')
    add('False', False, expect_hex='44')
    add('None', None, expect_hex='45')
    add('float 1.5', 1.5, expect_hex='423fc00000')
    add('float 0.1 (float32)', 0.1, expect_hex='423dcccccd')
    add('float 100.0', 100.0, expect_hex='4242c80000')
    add('float -1.0', -1.0, expect_hex='42bf800000')
    add('float 1.5 float_bits=64', 1.5, 64, expect_hex='2c3ff8000000000000')
    add('float 0.1 float_bits=64', 0.1, 64, expect_hex='2c3fb999999999999a')
    add('str empty', '', expect_hex='80')
    add('str a', 'a', expect_hex='8161')
    add('str ü', 'ü', expect_hex='82c3bc')
    add('str x*63', 'x' * 63, expect_hex='bf' + '78' * 63)
    add('str x*64', 'x' * 64, expect_hex='36343a' + '78' * 64)
    add('list empty', [], expect_hex='c0')
    add('tuple empty', (), expect_hex='c0')
    add('list 1,2,3', [1, 2, 3], expect_hex='c3010203')
    add('list 63 zeros', [0] * 63, expect_hex='ff' + '00' * 63)
    add('list 64 zeros', [0] * 64, expect_hex='3b' + '00' * 64 + '7f')
    add('dict empty', {}, expect_hex='66')
    add('dict a:1', {'a': 1}, expect_hex='67816101')
    add('dict int and tuple keys', {1: 'x', (1, 2): None}, expect_hex='68018178c2010245')
    add('request daemon.info', ((0, 'daemon.info', [], {}),), expect_hex='c1c4008b6461656d6f6e2e696e666fc066')
    add('request daemon.login', ((1, 'daemon.login', ['user', 'pw'], {'client_version': '2.1.1'}),),
        expect_hex='c1c4018c6461656d6f6e2e6c6f67696ec28475736572827077678e636c69656e745f76657273696f6e85322e312e31')
    add('request get_torrents_status', ((2, 'core.get_torrents_status', [{}, ['name', 'state']], {}),),
        expect_hex='c1c40298636f72652e6765745f746f7272656e74735f737461747573c266c2846e616d6585737461746566')

    # --- int edges --------------------------------------------------------------------------------
    for n in [42, -31, 45, -34, 126, -127, 255, 256, 32766, -32767, 65535, 65536, 2**31 - 2, -2**31 + 1,
              2**32, -2**32, 2**53 - 1, 2**53, 2**53 + 1, -(2**53 - 1), -2**53, -2**53 - 1, 2**62, -2**62,
              2**63 - 2, -2**63 + 1, 2**64, -2**64, 10**18, -10**30, 10**62, -10**61, 10**63 - 1, -(10**62 - 1),
              1795463815, 805306368, 312000]:
        add(f'int {n}', n)

    # --- floats (float32 default; float64 where precision needs it) -------------------------------
    for f in [0.5, -0.5, 25.3125, 0.25, 1e-45, 3.4028234663852886e38, 1.0499999523162842, 25.312501907348633,
              343927.5, 0.10818003863096237, -2.5e-3, 1e30]:
        add(f'float32 {f!r}', f)
    for f in [0.1, 1 / 3, math.pi, -1e300, 5e-324, 2.2250738585072014e-308]:
        add(f'float64 {f!r}', f, 64)
    for f in [0.0, -0.0, 2.0**60, float('inf'), float('-inf')]:
        add(f'float32 {f!r}', f)
    add('float64 1e300 integral', 1e300, 64)
    add('float64 0.5 (float32-exact)', 0.5, 64)
    add('float64 inf', float('inf'), 64)
    # Arbitrary float32 bit patterns: subnormal, max, a NaN with payload, negative zero.
    for h in ['00000001', '7f7fffff', '7fc00001', 'ffc00000', '80000000', '3f800001', 'c0490fdb']:
        decoded = rencode.loads(bytes.fromhex('42' + h))
        vector = {'name': f'float32 bits {h}', 'hex': '42' + h, 'value': tag(decoded)}
        if js_encodes_differently(decoded, 32):
            vector['decode_only'] = True
        vectors.append(vector)

    # --- strings ----------------------------------------------------------------------------------
    add('str ascii 64', 'a' * 64)
    add('str ascii 1000', ''.join(chr(97 + i % 26) for i in range(1000)))
    add('str ü*31 (62 bytes)', 'ü' * 31)
    add('str ü*32 (64 bytes)', 'ü' * 32)
    add('str ü*500', 'ü' * 500)
    add('str emoji', '🦀🚀 torrent 🎬')
    add('str emoji*16 (64 bytes)', '😀' * 16)
    add('str CJK', '日本語のファイル名.mkv')
    add('str CJK*21 (63 bytes)', '字' * 21)
    add('str CJK*22 (66 bytes)', '字' * 22)
    add('str mixed 1000', ('añ日😀' * 250))
    add('str nul and controls', 'a\x00b\n\t\x7f')
    add('str digits', '0123456789')
    add('dict __proto__ key', {'__proto__': {'polluted': True}, 'constructor': 1})

    # --- lists and dicts --------------------------------------------------------------------------
    add('list 200', list(range(-100, 100)))
    add('list 63 strs', [f's{i}' for i in range(63)])
    add('list nested', [[[]], [[[1]]], ('a', ('b',)), [None, True, False]])
    add('dict 24', {f'k{i:02}': i for i in range(24)})
    add('dict 25', {f'k{i:02}': i for i in range(25)})
    add('dict 100', {f'key_{i}': [i, str(i)] for i in range(100)})
    add('dict int keys 30', {i: f'v{i}' for i in range(30)})
    add('dict mixed keys', {'a': 1, 2: 'b', (3, 'c'): [4], None: False, True: 0.5, -7: {}})
    add('dict nested', {'outer': {'inner': {'deep': [1, {'x': None}]}}})

    # --- realistic Deluge messages ----------------------------------------------------------------
    rng = random.Random(20251123)
    torrents = dict(torrent_status(rng, i, i % 3 == 0) for i in range(4))
    assert all(len(s) == 78 for s in torrents.values())
    add('response core.get_torrents_status', (1, 7, torrents))
    add('response core.get_torrents_status diff', (1, 8, {tid: {} for tid in torrents}))
    session = {
        'payload_download_rate': 343927.5, 'payload_upload_rate': 0.0, 'download_rate': 360448.0,
        'upload_rate': 1024.5, 'ip_overhead_download_rate': 0, 'ip_overhead_upload_rate': 0,
        'tracker_download_rate': 0.0, 'tracker_upload_rate': 0.0, 'dht_download_rate': 0, 'dht_upload_rate': 0,
        'write_hit_ratio': 0.0, 'read_hit_ratio': 0.0, 'peer.num_peers_connected': 12, 'dht.dht_nodes': 0,
        'net.has_incoming_connections': 1, 'net.recv_payload_bytes': 2**33 + 17, 'net.sent_bytes': 5 * 2**40,
        'ses.num_downloading_torrents': 3, 'disk.disk_blocks_in_use': 4096, 'sock_bufs.socket_send_size10': 77,
    }
    add('response core.get_session_status', (1, 9, session))
    add('response core.get_auth_levels_mappings', (1, 3, (
        {'NONE': 0, 'READONLY': 1, 'DEFAULT': 5, 'NORMAL': 5, 'ADMIN': 10},
        {0: 'NONE', 1: 'READONLY', 5: 'NORMAL', 10: 'ADMIN'})))
    add('response daemon.info', (1, 0, '2.0.3'), expect_hex='c3010085322e302e33')
    add('response login', (1, 10, 5))
    add('error NotAuthorizedError', (2, 0, 'NotAuthorizedError', (0, 5), {},
                                     'Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/deluge/'
                                     'core/rpcserver.py", line 314, in dispatch\n    raise NotAuthorizedError(auth_level, '
                                     'method_auth_requirement)\ndeluge.error.NotAuthorizedError: Auth level too low: 0 < 5\n'))
    add('error WrappedException', (2, 4, 'WrappedException', ('RPC call on invalid function: core.nope',
                                                              'AttributeError', 'Traceback …\n'), {}, 'Traceback …\n'))
    add('event TorrentAddedEvent', (3, 'TorrentAddedEvent', ('1a8edc645a9d59c3b6f7636be22069a757dc4808', False)))
    add('event TorrentQueueChangedEvent', (3, 'TorrentQueueChangedEvent', ()))
    add('event ClientDisconnectedEvent', (3, 'ClientDisconnectedEvent', (46,)))
    add('request bundle', ((100, 'daemon.info', [], {}), (101, 'core.get_torrents_status', [{'state': ['Seeding']},
                                                                                           ['name', 'progress']],
                                                          {'diff': True}), ('abc', 'core.get_session_status', [[]], {})))
    add('request set_config', ((5, 'core.set_config', [{'stop_seed_ratio': 1.5, 'dht': False,
                                                        'listen_ports': [6881, 6891]}], {}),))


    for i in range(12):
        budget = [150]
        add(f'random structure {i}', [random_value(rng, 0, budget) for _ in range(8)])

    # --- hand-made inputs: accepted by rencode.loads but never produced by dumps ------------------
    add_raw('long-form string shorter than 64', '313a61')
    add_raw('long-form empty-ish length 1 with two digits', '31303a' + '61' * 10)
    add_raw('invalid UTF-8 0xff', '81ff')
    add_raw('invalid UTF-8 truncated sequence', '8261c3')
    add_raw('CHR_INT of 63 digits', '3d' + '31' * 63 + '7f')
    add_raw('CHR_INT small value long literal', '3d' + '30' * 18 + '357f')
    add_raw('INT8 small value', '410000000000000005')
    add_raw('INT4 small value', '4000000001')
    add_raw('terminated list with few items', '3b01027f')
    add_raw('terminated dict with few items', '3c8161017f')
    add_raw('dict duplicate keys last wins', '688161018161 02')

    # --- hand-made inputs rencode.loads rejects --------------------------------------------------
    add_raw('type code 0x30', '30', 'UNKNOWN_TYPE')
    add_raw('type code 0x2d', '2d', 'UNKNOWN_TYPE')
    add_raw('type code 0x2e', '2e', 'UNKNOWN_TYPE')
    add_raw('type code 0x2f', '2f', 'UNKNOWN_TYPE')
    add_raw('type code 0x3a', '3a', 'UNKNOWN_TYPE')
    add_raw('type code 0x30 in a list', 'c130', 'UNKNOWN_TYPE')
    add_raw('CHR_INT of 64 digits', '3d' + '31' * 64 + '7f', 'BAD_INTEGER')
    add_raw('CHR_INT with a letter', '3d' + '31' * 18 + '617f', 'BAD_INTEGER')
    add_raw('fixed string truncated', '8561', 'TRUNCATED')
    add_raw('long string truncated', '36343a' + '78' * 63, 'TRUNCATED')
    add_raw('INT8 truncated', '4100000000', 'TRUNCATED')
    add_raw('FLOAT64 truncated', '2c3ff0', 'TRUNCATED')
    add_raw('fixed list truncated', 'c30102', 'TRUNCATED')
    add_raw('terminated list truncated', '3b0102', 'TRUNCATED')
    add_raw('dict missing value', '678161', 'TRUNCATED')
    add_raw('string length with a letter', '36613a', 'BAD_LENGTH')
    add_raw('empty input', '', 'TRUNCATED')

    names = [v['name'] for v in vectors]
    assert len(names) == len(set(names)), 'duplicate vector names'
    out_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    with open(out_path, 'w', encoding='utf8') as out:
        out.write('[\n')
        out.write(',\n'.join(json.dumps(v, ensure_ascii=False, sort_keys=True) for v in vectors))
        out.write('\n]\n')
    print(f'wrote {len(vectors)} vectors ({sum(1 for v in vectors if v.get("decode_only"))} decode-only, '
          f'{sum(1 for v in vectors if "error" in v)} errors) to {out_path}')



if __name__ == '__main__':
    main()
