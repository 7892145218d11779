#!/usr/bin/env python3
"""Which top-level modules of src/ use which (`crate::X` anywhere outside comments), and any
import loops between them. Usage: python3 scripts/module-deps.py [src]"""
import os
import re
import sys
root=sys.argv[1] if len(sys.argv)>1 else 'src'
edges={}
for dp,_,fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'): continue
        p=os.path.join(dp,f); rel=os.path.relpath(p,root)
        mod=rel.split('/')[0].removesuffix('.rs')
        if mod in('main','lib'): continue
        src=open(p).read()
        # strip line comments
        src=re.sub(r'//.*','',src)
        targets=set(re.findall(r'crate::([a-z_]+)',src))
        for m in re.findall(r'crate::\{([^}]*)\}',src,re.S):
            for part in m.split(','):
                part=part.strip().split('::')[0]
                if part: targets.add(part)
        for t in targets:
            is_module = os.path.exists(os.path.join(root, t + '.rs')) or os.path.isdir(os.path.join(root, t))
            if t != mod and is_module:
                edges.setdefault(mod,{}).setdefault(t,[]).append(rel)
for a in sorted(edges):
    print(a,'->',', '.join(sorted(edges[a])))
print('--- cycles (pairs)')
for a in edges:
    for b in edges[a]:
        if a<b and a in edges.get(b,{}):
            print(a,'<->',b, edges[a][b], edges[b][a])
# longer cycles: strongly connected groups (Tarjan)
idx={};low={};st=[];on=set();sccs=[];c=[0]
def sc(v):
    idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
    for w in edges.get(v,{}):
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        comp=[]
        while True:
            w=st.pop();on.discard(w);comp.append(w)
            if w==v:break
        if len(comp)>1: sccs.append(comp)
for v in list(edges): 
    if v not in idx: sc(v)
print('--- strongly connected groups:',sccs)
