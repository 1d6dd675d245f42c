#!/usr/bin/env python3
"""
Does the prompt text say which model will be right? An independent check of the train/test protocol's
RouterBench result with scikit-learn, outside greenserv's own code.

For each split (stratified by task, half the prompts of each task as the train part) and each task, it fits
one logistic regression per model on the train prompts (TF-IDF of word 1–2-grams and character 3–5-grams,
sub-linear TF; the inverse penalty C chosen by 5-fold cross-validated log-loss) and routes every test prompt
to the model with the best predicted reward (1 − λ)·p + λ·(1 − c), where c is the prompt's *true* normalised
cost (docs/model.md §2.1: per task, min–max over all cells). Knowing each prompt's cost exactly favours this
router over any real one, so its gap closed is an optimistic bound on what the text's words and characters
can tell a linear router. It also prints each model's out-of-fold AUC (train part) of its correctness.

    apt-get install python3-sklearn python3-pandas    # or pip install scikit-learn pandas
    python3 scripts/text-signal-bound.py ../shared/data/routerbench [--splits 5] [--lambdas 0.25,0.5,0.75]

Input: RouterBench-layout CSV files (`*_train.csv` and `*_test.csv` are pooled; columns `sample_id`, `prompt`,
`eval_name`, one correctness column per model and `<model>|total_cost`). Output: JSON on stdout,
`schemaVersion` 1: `{schemaVersion, prompts, models, splits, lambdas: [{lambda, gapClosed: [per split],
mean}], auc: {task: {model: out-of-fold AUC on the first split's train part}}}`.
Takes about 5–10 minutes on 2,700 prompts × 11 models on one core.
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
import pandas as pd
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.linear_model import LogisticRegression

META = {"sample_id", "prompt", "eval_name", "oracle_model_to_route_to"}
CS = [0.01, 0.03, 0.1, 0.3, 1, 3, 10]


def load(d):
    files = sorted(glob.glob(os.path.join(d, "*_train.csv")) + glob.glob(os.path.join(d, "*_test.csv")))
    if not files:
        sys.exit(f"{d}: no *_train.csv or *_test.csv files")
    df = pd.concat([pd.read_csv(f) for f in files])
    models = [c for c in df.columns if c not in META and "|" not in c and not c.startswith("Unnamed")]
    # rows with empty correctness cells, and repeated sample ids, are dropped as greenserv's loader does
    df = df.dropna(subset=models).drop_duplicates(subset=["sample_id", "eval_name"]).reset_index(drop=True)
    return df, models


def features(train_text, test_text):
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit(train_text)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2).fit(train_text)
    f = lambda t: hstack([word.transform(t), char.transform(t)]).tocsr()
    return f(train_text), f(test_text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--splits", type=int, default=5)
    ap.add_argument("--lambdas", default="0.25,0.5,0.75")
    args = ap.parse_args()
    lams = [float(x) for x in args.lambdas.split(",")]
    df, models = load(args.dir)
    acc = df[models].values.astype(float)
    usd = df[[m + "|total_cost" for m in models]].values.astype(float)
    tasks = sorted(df.eval_name.unique())
    cost = np.zeros_like(usd)
    for t in tasks:
        s = (df.eval_name == t).values
        lo, hi = usd[s].min(), usd[s].max()
        cost[s] = np.clip((usd[s] - lo) / (hi - lo), 0, 1) if hi > lo else 0.5
    gaps = {l: [] for l in lams}
    auc = {}
    for split in range(args.splits):
        rng = np.random.default_rng(split)
        train = np.zeros(len(df), bool)
        for t in tasks:
            ix = np.flatnonzero((df.eval_name == t).values)
            rng.shuffle(ix)
            train[ix[: len(ix) // 2]] = True
        test = ~train
        p = np.zeros_like(acc)
        for t in tasks:
            s = (df.eval_name == t).values
            a, b = s & train, s & test
            xa, xb = features(df.prompt[a], df.prompt[b])
            for j, m in enumerate(models):
                y = acc[a, j]
                if y.min() == y.max():
                    p[b, j] = y[0]
                    continue
                fit = LogisticRegressionCV(Cs=CS, cv=5, scoring="neg_log_loss", max_iter=3000).fit(xa, y)
                p[b, j] = fit.predict_proba(xb)[:, 1]
                if split == 0:
                    oof = cross_val_predict(LogisticRegression(C=fit.C_[0], max_iter=3000), xa, y,
                                            cv=StratifiedKFold(5, shuffle=True, random_state=0), method="predict_proba")[:, 1]
                    auc.setdefault(t, {})[m] = round(float(roc_auc_score(y, oof)), 3)
        rows = np.arange(test.sum())
        for l in lams:
            reward = (1 - l) * acc + l * (1 - cost)
            predicted = (1 - l) * p + l * (1 - cost)
            static = int(np.argmax(reward[train].mean(0)))
            best = reward[test].max(1)
            r_static = float((best - reward[test][:, static]).sum())
            r_router = float((best - reward[test][rows, np.argmax(predicted[test], 1)]).sum())
            gaps[l].append(round((r_static - r_router) / r_static, 4) if r_static > 0 else None)
    out = {
        "schemaVersion": 1,
        "prompts": int(len(df)),
        "models": models,
        "splits": args.splits,
        "lambdas": [{"lambda": l, "gapClosed": gaps[l], "mean": round(float(np.mean([g for g in gaps[l] if g is not None])), 4)} for l in lams],
        "auc": auc,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
