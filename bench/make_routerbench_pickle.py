"""Write a RouterBench-layout pandas pickle the size of routerbench_0shot.pkl, responses included.

Used by `npm run bench` (datasets section) when a Python with pandas is available, e.g. Debian's
`apt-get install python3-pandas`:

    python3 bench/make_routerbench_pickle.py out.pkl [protocol] [prompts]

36,497 prompts x 11 models: sample_id, prompt (a stringified Python list), eval_name, one correctness column
per model, <model>|model_response, <model>|total_cost, oracle_model_to_route_to. Text is random words;
prompts are 40-200 words and responses 20-120, so the file is about 216 MB.
"""

import pickle
import sys

import numpy as np
import pandas as pd

N = 36497
MODELS = [
    "gpt-4-1106-preview", "gpt-3.5-turbo-1106", "claude-instant-v1", "claude-v1", "claude-v2",
    "meta/llama-2-70b-chat", "mistralai/mixtral-8x7b-chat", "zero-one-ai/Yi-34B-Chat",
    "WizardLM/WizardLM-13B-V1.2", "meta/code-llama-instruct-34b-chat", "mistralai/mistral-7b-chat",
]
TASKS = ["mmlu", "hellaswag", "gsm8k", "arc-challenge", "winogrande", "mbpp", "mt-bench", "grade-school-math", "consistency"]
WORDS = ["the", "model", "answer", "question", "because", "energy", "router", "which", "of", "following", "is", "true"]


def main() -> None:
    out = sys.argv[1]
    protocol = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    n = int(sys.argv[3]) if len(sys.argv) > 3 else N
    rng = np.random.default_rng(1)

    def text(lo: int, hi: int) -> str:
        return str([" ".join(rng.choice(WORDS, int(rng.integers(lo, hi))))])

    cols = {
        "sample_id": [f"{TASKS[i % len(TASKS)]}.{i}" for i in range(n)],
        "prompt": [text(40, 200) for _ in range(n)],
        "eval_name": [TASKS[i % len(TASKS)] for i in range(n)],
    }
    for m in MODELS:
        cols[m] = rng.integers(0, 2, n).astype(float)
    for m in MODELS:
        cols[m + "|model_response"] = [text(20, 120) for _ in range(n)]
    for m in MODELS:
        cols[m + "|total_cost"] = rng.random(n) * 1e-3
    cols["oracle_model_to_route_to"] = [MODELS[i % len(MODELS)] for i in range(n)]
    with open(out, "wb") as f:
        pickle.dump(pd.DataFrame(cols), f, protocol=protocol)


if __name__ == "__main__":
    main()
