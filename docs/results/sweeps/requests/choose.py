"""Per method, the sweep point with the highest rho2 among those within 0.5 point of vanilla's clean accuracy on the
validation split (issue 13's rule); prints the table of every point."""
import glob, json, sys
d = sys.argv[1]
pts = []
for f in sorted(glob.glob(d + '/*.json')):
    p = json.load(open(f)); r = p['row']['report']
    ra = r.get('robustAccuracy') or {}
    pts.append(dict(run=p['runId'], method=p['method'], params=p['parameters'], clean=r['cleanAccuracy'], rho2=r['rho2'],
                    linf=ra.get('linf', {}).get('25.5'), l2=ra.get('l2', {}).get('382.5'),
                    train=p['row'].get('trainSeconds'), stab=p['row'].get('stabilisers')))
van = [p for p in pts if p['method'] == 'vanilla']
base = van[0]['clean'] if van else float(sys.argv[2])
print('| run | clean | rho2 | robust Linf 25.5 | robust L2 382.5 | train s | stabilisers |')
print('|---|---|---|---|---|---|---|')
for p in pts:
    print('| %s | %.2f %% | %.4f | %s | %s | %.0f | %s |' % (p['run'], 100 * p['clean'], p['rho2'],
          '%.1f %%' % (100 * p['linf']) if p['linf'] is not None else '-', '%.1f %%' % (100 * p['l2']) if p['l2'] is not None else '-',
          p['train'] or 0, ', '.join('%s %d' % kv for kv in (p['stab'] or {}).items() if kv[1])))
print('\nvanilla clean accuracy %.2f %%' % (100 * base))
for m in sorted({p['method'] for p in pts}):
    ok = [p for p in pts if p['method'] == m and p['clean'] >= base - 0.005]
    if ok:
        print(m, '->', max(ok, key=lambda p: p['rho2'])['run'])
    else:
        best = max((p for p in pts if p['method'] == m), key=lambda p: p['clean'])
        print(m, '->', best['run'])
        print('  (%s: no point within 0.5 point of vanilla; the most accurate one)' % m)
