#!/bin/sh
# The sharded experiment on a cluster: storage, the shard pods, then the merge once every shard completed.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
kubectl apply -f "$here/pvc.yaml"
kubectl delete job greenserv-shards greenserv-merge --ignore-not-found
kubectl apply -f "$here/shards-job.yaml"
kubectl wait --for=condition=complete --timeout=24h job/greenserv-shards
kubectl apply -f "$here/merge-job.yaml"
kubectl wait --for=condition=complete --timeout=2h job/greenserv-merge
kubectl logs job/greenserv-merge
