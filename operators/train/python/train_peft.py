#!/usr/bin/env python3
"""LoRA / QLoRA fine-tuning with transformers + peft, driven by datanet's train.lora operator.

Prints one JSON object per line on stdout: start, progress, metrics, done (or error). Honours
SIGTERM by stopping at the next step without writing an adapter. Arguments come from
operators/train/src/peft/peft-args.ts; keep the two in step.
"""
import argparse
import json
import math
import os
import random
import signal
import sys
import time


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--base-model", required=True)
    p.add_argument("--method", choices=["lora", "qlora"], default="lora")
    p.add_argument("--r", type=int, required=True)
    p.add_argument("--lora-alpha", type=float, required=True)
    p.add_argument("--lora-dropout", type=float, default=0.0)
    p.add_argument("--target-modules", default="all-linear")
    p.add_argument("--use-rslora", action="store_true")
    p.add_argument("--load-in-4bit", action="store_true")
    p.add_argument("--load-in-8bit", action="store_true")
    p.add_argument("--bnb-4bit-quant-type", default="nf4")
    p.add_argument("--bnb-4bit-compute-dtype", default="bfloat16")
    p.add_argument("--bnb-4bit-use-double-quant", action="store_true")
    p.add_argument("--learning-rate", type=float, required=True)
    p.add_argument("--lr-scheduler", default="cosine")
    p.add_argument("--warmup-ratio", type=float, default=0.0)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--max-seq-length", type=int, default=512)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--train-file", required=True)
    p.add_argument("--eval-file", required=True)
    p.add_argument("--output-dir", required=True)
    return p.parse_args(argv)


class ByteTokenizer:
    """datanet's shipped models use bytes 0-255 plus <bos>=256, <eos>=257, <pad>=258."""

    bos, eos, pad = 256, 257, 258

    def encode(self, text):
        return [self.bos] + list(text.encode("utf-8")) + [self.eos]


def load_tokenizer(base):
    path = os.path.join(base, "tokenizer.json")
    if os.path.isfile(path):
        with open(path) as f:
            if json.load(f).get("type") == "bytes":
                return ByteTokenizer()
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(base)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token

    class Wrapped:
        pad = tok.pad_token_id

        def encode(self, text):
            ids = tok(text)["input_ids"]
            return ids + ([tok.eos_token_id] if tok.eos_token_id is not None else [])

    return Wrapped()


def read_texts(path):
    with open(path) as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def main(argv):
    args = parse_args(argv)
    stop = {"requested": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(requested=True))
    try:
        import torch
        import transformers
        import peft
    except ImportError as err:
        emit("error", code="missing-dependency", message=f"the peft backend needs torch, transformers and peft in this Python ({sys.executable}): {err}")
        return 3
    quantization_config = None
    if args.method == "qlora" or args.load_in_4bit or args.load_in_8bit:
        try:
            import bitsandbytes  # noqa: F401
        except ImportError:
            emit("error", code="missing-bitsandbytes", message="QLoRA (4-bit NF4) and 8-bit loading need bitsandbytes, which is not installed here; install it on the GPU worker, or train with method: lora, or use backend: builtin (its QLoRA keeps the base in NF4 without bitsandbytes)")
            return 3
        dtype = getattr(torch, args.bnb_4bit_compute_dtype)
        quantization_config = transformers.BitsAndBytesConfig(
            load_in_4bit=args.load_in_4bit or args.method == "qlora",
            load_in_8bit=args.load_in_8bit,
            bnb_4bit_quant_type=args.bnb_4bit_quant_type,
            bnb_4bit_use_double_quant=args.bnb_4bit_use_double_quant,
            bnb_4bit_compute_dtype=dtype,
        )

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = load_tokenizer(args.base_model)
    model = transformers.AutoModelForCausalLM.from_pretrained(args.base_model, quantization_config=quantization_config, torch_dtype=torch.float32 if quantization_config is None else None)
    if quantization_config is not None:
        model = peft.prepare_model_for_kbit_training(model)
    else:
        model.to(device)
    targets = "all-linear" if args.target_modules == "all-linear" else args.target_modules.split(",")
    config = peft.LoraConfig(r=args.r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout, target_modules=targets, use_rslora=args.use_rslora, task_type="CAUSAL_LM", bias="none")
    model = peft.get_peft_model(model, config)
    trainable, total = model.get_nb_trainable_parameters()

    def encode_all(texts):
        return [tokenizer.encode(t)[: args.max_seq_length + 1] for t in texts]

    train = [r for r in encode_all(read_texts(args.train_file)) if len(r) > 1]
    evals = [r for r in encode_all(read_texts(args.eval_file)) if len(r) > 1]

    def batch(rows):
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), tokenizer.pad, dtype=torch.long)
        labels = torch.full((len(rows), width), -100, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            labels[i, : len(r)] = torch.tensor(r)
        return ids.to(model.device), labels.to(model.device)

    def eval_loss():
        model.eval()
        total_loss, tokens = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(evals), args.batch_size):
                rows = evals[i : i + args.batch_size]
                ids, labels = batch(rows)
                n = int((labels[:, 1:] != -100).sum())
                total_loss += float(model(input_ids=ids, labels=labels).loss) * n
                tokens += n
        model.train()
        return total_loss / max(tokens, 1)

    per_step = args.batch_size * args.grad_accum
    total_steps = args.max_steps or max(1, round(math.ceil(len(train) / per_step) * args.epochs))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.learning_rate, weight_decay=args.weight_decay)
    scheduler = transformers.get_scheduler(args.lr_scheduler, optimizer, num_warmup_steps=int(total_steps * args.warmup_ratio), num_training_steps=total_steps)
    emit("start", device=device, trainable_params=trainable, total_params=total, steps=total_steps, train_rows=len(train), eval_rows=len(evals))
    with model.disable_adapter():
        base_eval = eval_loss()
    order, cursor, tokens_seen = [], 0, 0
    started = time.time()
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    for step in range(total_steps):
        if stop["requested"]:
            emit("error", code="aborted", message="stopped by SIGTERM; no adapter written")
            return 143
        for _ in range(args.grad_accum):
            rows = []
            while len(rows) < args.batch_size:
                if cursor >= len(order):
                    order = list(range(len(train)))
                    random.shuffle(order)
                    cursor = 0
                rows.append(train[order[cursor]])
                cursor += 1
            ids, labels = batch(rows)
            tokens_seen += sum(len(r) - 1 for r in rows)
            loss = model(input_ids=ids, labels=labels).loss / args.grad_accum
            loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        emit("progress", step=step + 1, total=total_steps, loss=float(loss) * args.grad_accum, lr=scheduler.get_last_lr()[0])
    seconds = time.time() - started
    adapter_eval = eval_loss()
    model.save_pretrained(args.output_dir)
    metrics = {
        "baseEvalLoss": base_eval,
        "evalLoss": adapter_eval,
        "steps": total_steps,
        "trainTokens": tokens_seen,
        "seconds": seconds,
        "tokensPerSecond": tokens_seen / max(seconds, 1e-9),
        "trainableParams": trainable,
        "peakGpuMemoryBytes": torch.cuda.max_memory_allocated() if device == "cuda" else None,
    }
    emit("metrics", **metrics)
    emit("done", output_dir=args.output_dir, **metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
