import json,sys,re,statistics as st
rows={}
for f in sys.argv[1:]:
    for l in open(f):
        d=json.loads(l); u=d['uasm']
        m=re.search(r'uss ([\d.]+) MB anon ([\d.]+) MB pss ([\d.]+) MB rss ([\d.]+)',d['pageRenderer'])
        uss,anon,pss,rss=map(float,m.groups())
        wk=[(int(re.search(r'new@(\d+)',w).group(1)),int(re.search(r'ready@(\d+)',w).group(1)),int(re.search(r'frame@(\d+)',w).group(1)), float(re.search(r'wasm ([\d.?]+)',w).group(1))) for w in d['workers']]
        charts=[int(x) for x in re.findall(r'@(\d+)',d['firstChart'])]
        key=(f.replace('.jsonl',''),d['label'])
        rows.setdefault(key,[]).append(dict(uss=uss,anon=anon,pss=pss,rss=rss,n=len(d['engines'].split(',')),start=[r-c for c,r,_,_ in wk],ready=[r for _,r,_,_ in wk],frame=[fr for _,_,fr,_ in wk],wasm=sum(w for *_,w in wk),pagewasm=d['pageWasmMB'],wjs=sum(u['workersJS_MB']),charts=charts,dcl=d['dcl'],heap=d['mainJSHeapUsedMB'],uasm=u['totalMB'],win=u['window']))
med=lambda xs: st.median(xs) if xs else float('nan')
for k,v in rows.items():
    print(f"{k[0]:>28} {k[1]:>6} n={v[0]['n']} reps={len(v)} USS {med([r['uss'] for r in v]):6.1f} (range {min(r['uss'] for r in v):.1f}-{max(r['uss'] for r in v):.1f}) RSS {med([r['rss'] for r in v]):6.1f} anon {med([r['anon'] for r in v]):6.1f} | worker wasm sum {med([r['wasm'] for r in v]):6.2f} page wasm {med([r['pagewasm'] for r in v]):6.2f} workerJS sum {med([r['wjs'] for r in v]):5.2f} mainHeap {med([r['heap'] for r in v]):.2f} uasm {med([r['uasm'] for r in v]):.2f} [{v[0]['win']}]")
    print(f"{'':>36} new->Ready ms {med([x for r in v for x in r['start']])} (all {sorted(x for r in v for x in r['start'])}) | nav->firstFrame {med([x for r in v for x in r['frame']])} | nav->firstChart per inst {[med([r['charts'][i] for r in v if len(r['charts'])>i]) for i in range(v[0]['n'])]} | last inst chart {med([max(r['charts']) for r in v])} dcl {med([r['dcl'] for r in v])}")
