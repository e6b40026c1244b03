#!/usr/bin/env python3
"""Generation with transformers (+ a peft LoRA adapter) for datanet's inference.generate.

Reads JSON lines {"prompt": ...} (already formatted by the operator), prints one JSON line per
prompt: {"event": "generation", "index", "output", "prompt_tokens", "output_tokens"}, then
{"event": "done"}. Greedy when --temperature is 0, else seeded sampling (seed + index).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_peft import ByteTokenizer, emit  # noqa: E402


def main(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--base-model", required=True)
    p.add_argument("--adapter", default=None)
    p.add_argument("--prompts-file", required=True)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--top-k", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    try:
        import torch
        import transformers
    except ImportError as err:
        emit("error", code="missing-dependency", message=f"peft inference needs torch and transformers in this Python ({sys.executable}): {err}")
        return 3
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = transformers.AutoModelForCausalLM.from_pretrained(args.base_model, torch_dtype=torch.float32)
    if args.adapter:
        import peft

        model = peft.PeftModel.from_pretrained(model, args.adapter)
    model.to(device).eval()
    tok_path = os.path.join(args.base_model, "tokenizer.json")
    byte_level = os.path.isfile(tok_path) and json.load(open(tok_path)).get("type") == "bytes"
    hf_tok = None if byte_level else transformers.AutoTokenizer.from_pretrained(args.base_model)
    eos = ByteTokenizer.eos if byte_level else hf_tok.eos_token_id
    with open(args.prompts_file) as f:
        prompts = [json.loads(line)["prompt"] for line in f if line.strip()]
    for index, prompt in enumerate(prompts):
        ids = [ByteTokenizer.bos] + list(prompt.encode("utf-8")) if byte_level else hf_tok(prompt)["input_ids"]
        generator = torch.Generator(device="cpu").manual_seed(args.seed + index)
        out = []
        with torch.no_grad():
            for _ in range(args.max_new_tokens):
                logits = model(input_ids=torch.tensor([ids + out], device=device)).logits[0, -1].float().cpu()
                if byte_level:
                    logits = logits[: eos + 1]
                if args.temperature <= 0:
                    nxt = int(torch.argmax(logits))
                else:
                    if args.top_k > 0:
                        kth = torch.topk(logits, args.top_k).values[-1]
                        logits = torch.where(logits < kth, torch.tensor(float("-inf")), logits)
                    nxt = int(torch.multinomial(torch.softmax(logits / args.temperature, -1), 1, generator=generator))
                if nxt == eos:
                    break
                out.append(nxt)
        text = bytes([i for i in out if i < 256]).decode("utf-8", "replace") if byte_level else hf_tok.decode(out, skip_special_tokens=True)
        emit("generation", index=index, output=text.strip(), prompt_tokens=len(ids), output_tokens=len(out))
    emit("done", count=len(prompts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
