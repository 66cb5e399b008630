"""The training loop: fit a model, validate, stop early, keep the best weights, show progress.

    history = fit(model, optimizer, loss_fn, train_loader, epochs=15, val_loader=val_loader)

History keeps the loss of every iteration and, per epoch, the mean training loss and accuracy,
the validation loss and accuracy, the learning rate and the time taken.
"""
from __future__ import annotations

import errno
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from .autograd import no_grad
from .nn import _checks
from .nn.module import Module
from .nn.utils import clip_grad_norm_
from .serialization import save


@dataclass
class History:
    iterations: list[float] = field(default_factory=list)  # training loss of every step
    epochs: list[dict] = field(default_factory=list)       # per-epoch means and metrics
    validations: list[dict] = field(default_factory=list)  # every val_every steps, if asked
    best_epoch: int | None = None

    def as_dict(self) -> dict:
        return {"iterations": self.iterations, "epochs": self.epochs,
                "validations": self.validations, "best_epoch": self.best_epoch}


def _accuracy(logits: Any, target: Any) -> float:
    return float((logits._array.argmax(axis=1) == np.asarray(target._array)).mean())


def evaluate(model: Module, loader: Iterable, loss_fn: Callable) -> dict[str, float]:
    """Mean loss and accuracy over a loader, in eval mode and without recording a graph."""
    was_training = model.training
    model.eval()
    total_loss = correct = count = 0.0
    with no_grad():
        for inputs, target in loader:
            output = model(inputs)
            size = len(target._array)
            total_loss += loss_fn(output, target).item() * size
            correct += _accuracy(output, target) * size
            count += size
    model.train(was_training)
    return {"loss": total_loss / count, "accuracy": correct / count}


def _progress(total: int, description: str, enabled: bool) -> Any:
    """A tqdm bar when tqdm is installed and progress is on, else None."""
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=description, unit="batch", leave=False, dynamic_ncols=True)


def _check_fit_arguments(model: Any, loss_fn: Any, epochs: Any, val_every: Any,
                         clip_grad_norm: Any, patience: Any, checkpoint_path: Any) -> None:
    """Everything fit can check before the first step changes the model."""
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, got {_checks.type_name(model)}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {_checks.type_name(loss_fn)}")
    if _checks.integer("epochs", epochs) < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    if val_every is not None and _checks.integer("val_every", val_every) < 1:
        raise ValueError(f"val_every must be >= 1 (steps) or None, got {val_every}")
    if patience is not None and _checks.integer("early_stopping_patience", patience) < 0:
        raise ValueError(f"early_stopping_patience must be >= 0 or None, got {patience}")
    if clip_grad_norm is not None:
        _checks.positive("clip_grad_norm", clip_grad_norm)
    if checkpoint_path is not None:
        path = Path(checkpoint_path)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "checkpoint_path is a directory", str(path))
        if not path.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "the directory of checkpoint_path does not "
                                    "exist", str(path.parent))


def fit(model: Module, optimizer: Any, loss_fn: Callable, train_loader: Iterable,
        epochs: int = 1, val_loader: Iterable | None = None, scheduler: Any = None,
        scheduler_per_batch: bool = False, val_every: int | None = None,
        clip_grad_norm: float | None = None,
        early_stopping_patience: int | None = None, restore_best: bool = True,
        checkpoint_path: str | None = None, progress: bool = True) -> History:
    """Train for `epochs` epochs (or until validation loss has not improved for
    `early_stopping_patience` epochs), validating after each epoch when val_loader is given (and
    every `val_every` steps too, recorded in history.validations).
    The best weights by validation loss are kept (and restored at the end if restore_best,
    written to checkpoint_path if given)."""
    _check_fit_arguments(model, loss_fn, epochs, val_every, clip_grad_norm,
                         early_stopping_patience, checkpoint_path)
    history, best_loss, best_state, waited = History(), math.inf, None, 0
    for epoch in range(1, epochs + 1):
        started, losses, correct, seen = time.perf_counter(), [], 0.0, 0
        model.train()
        bar = _progress(len(train_loader), f"epoch {epoch}/{epochs}", progress)
        for inputs, target in train_loader:
            optimizer.zero_grad()
            output = model(inputs)
            loss = loss_fn(output, target)
            loss.backward()
            if clip_grad_norm is not None:
                clip_grad_norm_(model.parameters(), clip_grad_norm)
            optimizer.step()
            if scheduler is not None and scheduler_per_batch:
                scheduler.step()
            losses.append(loss.item())
            correct += _accuracy(output, target) * len(target._array)
            seen += len(target._array)
            step = len(history.iterations) + len(losses)
            if val_every and val_loader is not None and step % val_every == 0:
                history.validations.append({"step": step,
                                            **evaluate(model, val_loader, loss_fn)})
            if bar is not None:
                bar.set_postfix(loss=f"{losses[-1]:.4f}")
                bar.update()
        if bar is not None:
            bar.close()
        if scheduler is not None and not scheduler_per_batch:
            scheduler.step()
        record = {"epoch": epoch, "train_loss": float(np.mean(losses)),
                  "train_accuracy": correct / seen, "lr": optimizer.param_groups[0]["lr"]}
        if val_loader is not None:
            metrics = evaluate(model, val_loader, loss_fn)
            record.update(val_loss=metrics["loss"], val_accuracy=metrics["accuracy"])
        record["seconds"] = time.perf_counter() - started
        history.iterations += losses
        history.epochs.append(record)
        if progress:
            print(_summary(record), file=sys.stderr)
        monitored = record.get("val_loss", record["train_loss"])
        if monitored < best_loss:
            best_loss, waited, history.best_epoch = monitored, 0, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
            if checkpoint_path is not None:
                save(best_state, checkpoint_path)
        else:
            waited += 1
            if early_stopping_patience is not None and waited > early_stopping_patience:
                break
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return history


def _summary(record: dict) -> str:
    parts = [f"epoch {record['epoch']}", f"loss {record['train_loss']:.4f}",
             f"acc {record['train_accuracy']:.4f}"]
    if "val_loss" in record:
        parts += [f"val_loss {record['val_loss']:.4f}", f"val_acc {record['val_accuracy']:.4f}"]
    return "  ".join(parts + [f"{record['seconds']:.1f}s"])
