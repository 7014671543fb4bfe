"""Expert caches replayed over a routing trace (train_and_trace.py): hit rates of LRU, LFU, LRFU
(each use adds 1 to a score that halves every `half_life` reads of a layer's experts, i.e. per
token and layer), the static set of the most used experts (an oracle of the whole trace's counts)
and Belady's optimum, for one cache over every layer's experts (as ix's expert residency keeps one
budget), at several capacities.

    /usr/bin/python3 tools/moe-policy/simulate.py <trace.json>
"""
import json
import math
import sys
from collections import Counter


def accesses(tr):
    # one mul_mat_id per token and layer: its experts are read together (none evicted while it runs)
    for token in tr['trace']:
        for layer, experts in enumerate(token):
            yield [(layer, e) for e in experts]


def simulate(tr, capacity, policy, half_life=64.0):
    cache, last, freq, score, stamp = set(), {}, Counter(), {}, 0
    decay = math.log(2) / half_life
    hits = total = 0
    future = None
    if policy == 'opt':
        seq = list(accesses(tr))
        nxt, pos = [None] * len(seq), {}
        for i in range(len(seq) - 1, -1, -1):
            nxt[i] = {k: pos.get(k, math.inf) for k in seq[i]}
            for k in seq[i]:
                pos[k] = i
        future = (seq, nxt)
    static = None
    if policy == 'static':
        counts = Counter(k for s in accesses(tr) for k in s)
        static = {k for k, _ in counts.most_common(capacity)}
    seq = future[0] if future else accesses(tr)
    next_use = {}
    for i, s in enumerate(seq):
        stamp += 1
        if policy == 'opt':
            for k in s:
                next_use[k] = future[1][i][k]
        for k in s:
            total += 1
            if policy == 'static':
                hits += k in static
                continue
            if k in cache:
                hits += 1
            freq[k] += 1
            # LRFU: each use adds 1 to a score that halves every half_life tokens
            score[k] = score.get(k, 0.0) * math.exp(-decay * (stamp - last.get(k, stamp))) + 1.0
            last[k] = stamp
        if policy == 'static':
            continue
        for k in s:
            if k in cache:
                continue
            if len(cache) >= capacity:
                victims = [c for c in cache if c not in s]
                if policy == 'lru':
                    v = min(victims, key=lambda c: last[c])
                elif policy == 'lfu':
                    v = min(victims, key=lambda c: (freq[c], last[c]))
                elif policy == 'lrfu':
                    v = min(victims, key=lambda c: score[c] * math.exp(-decay * (stamp - last[c])))
                else:  # opt: the one needed furthest in the future
                    v = max(victims, key=lambda c: next_use.get(c, math.inf))
                cache.discard(v)
            cache.add(k)
    return hits / total


def locality(tr):
    # P(an expert a layer picks for token t is among those it picks for token t + 1), against k/E
    same = count = 0
    trace = tr['trace']
    for a, b in zip(trace, trace[1:]):
        for la, lb in zip(a, b):
            same += len(set(la) & set(lb))
            count += len(la)
    counts = Counter(k for s in accesses(tr) for k in s)
    n = sum(counts.values())
    top = sum(c for _, c in counts.most_common(len(counts) // 4)) / n
    return same / count, tr['topk'] / tr['experts'], top


def main():
    tr = json.load(open(sys.argv[1]))
    items = tr['layers'] * tr['experts']
    repeat, base, top_quarter = locality(tr)
    print(f"trace: {len(tr['trace'])} tokens, {tr['layers']} layers x {tr['experts']} experts, top-{tr['topk']}; held-out loss {tr['heldoutLoss']:.3f}")
    print(f'next-token repeat: {repeat:.3f} (uniform routing: {base:.3f}); the most used quarter of experts takes {top_quarter:.3f} of reads')
    lives = (16, 64, 256, 1024, 4096)
    print('capacity | LRU | LFU | ' + ' | '.join(f'LRFU {h}' for h in lives) + ' | static top | Belady')
    for frac in (0.25, 0.5, 0.75):
        cap = int(items * frac)
        rates = [simulate(tr, cap, 'lru'), simulate(tr, cap, 'lfu'), *(simulate(tr, cap, 'lrfu', h) for h in lives), simulate(tr, cap, 'static'), simulate(tr, cap, 'opt')]
        print(f'{frac:.0%} ({cap}) | ' + ' | '.join(f'{r:.3f}' for r in rates))


if __name__ == '__main__':
    main()
