"""Times the GreenServ authors' bandit classes for `npm run bench -- --reference <dir>`.

Reads one JSON command per line on stdin and answers one JSON line on stdout:
  {"cmd": "load", "ctx": file, "rew": file, "q": Q, "d": d, "m": M}   raw float64 contexts (Q×d) and rewards (Q×M)
  {"cmd": "make", "policy": name}                                       a fresh instance with greenserv's defaults
  {"cmd": "run", "ms": t}                                               decisions for t ms of CPU time -> {"rate": r}
The checkout's root must be on PYTHONPATH (its classes live in src/bandit/).
"""
import importlib
import json
import sys
import time

import numpy as np

# greenserv's policy name -> (module, class, constructor arguments beyond model ids); defaults as in greenserv
CLASSES = {
    "linucb": ("src.bandit.linucb", "LinUCB", lambda d: dict(context_dimension=d, alpha=0.1, regularization=0.05)),
    "thompson": ("src.bandit.thompson_sampling", "ThompsonSampling", lambda d: dict(context_dimension=d, sigma=0.25, prior_variance=2.0)),
    "epsilon-greedy": ("src.bandit.epsilon_greedy", "EpsilonGreedy", lambda d: dict(initial_epsilon=1.0, decay_factor=0.98, min_epsilon=0.01)),
    "linear-epsilon-greedy": ("src.bandit.epsilon_greedy", "LinearEpsilonGreedy", lambda d: dict(context_dimension=d, initial_epsilon=1.0, decay_factor=0.985, min_epsilon=0.01, lambda_=0.25)),
}

# histories the classes append to on every decision; emptied between slices so memory stays flat
HISTORIES = ("decisions", "contexts")


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    ctx = rew = None
    bandit = None
    q = 0
    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        try:
            if cmd == "load":
                ctx = np.fromfile(msg["ctx"], dtype=np.float64).reshape(msg["q"], msg["d"])
                rew = np.fromfile(msg["rew"], dtype=np.float64).reshape(msg["q"], msg["m"])
                ctx_rows = [ctx[i] for i in range(ctx.shape[0])]
                reply({"ok": True, "numpy": np.__version__})
            elif cmd == "make":
                module, cls, args = CLASSES[msg["policy"]]
                try:
                    klass = getattr(importlib.import_module(module), cls)
                except (ImportError, AttributeError) as e:
                    reply({"error": f"cannot load {cls} from {module.replace('.', '/')}.py: {e}"})
                    continue
                bandit = klass(list(range(rew.shape[1])), seed=7, **args(ctx.shape[1]))
                for h in HISTORIES:
                    if not isinstance(getattr(bandit, h, None), list):
                        setattr(bandit, h, [])
                q = 0
                reply({"ok": True})
            elif cmd == "run":
                budget = msg["ms"] / 1000.0
                n = 0
                nq = len(ctx_rows)
                start = time.process_time()
                elapsed = 0.0
                while elapsed < budget:
                    for _ in range(10):
                        x = ctx_rows[q]
                        m = bandit.select_model(x)
                        bandit.update(m, float(rew[q, m]), x)
                        q = q + 1 if q + 1 < nq else 0
                    n += 10
                    elapsed = time.process_time() - start
                for h in HISTORIES:
                    getattr(bandit, h).clear()
                per_model = getattr(bandit, "rewards", None)
                if isinstance(per_model, dict):
                    for v in per_model.values():
                        if isinstance(v, list):
                            v.clear()
                reply({"rate": n / elapsed})
            else:
                reply({"error": f"unknown command {cmd}"})
        except Exception as e:  # reported to the bench, which stops with the message
            reply({"error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
