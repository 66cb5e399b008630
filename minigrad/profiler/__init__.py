"""minigrad.profiler: where the time of a step goes, per op and per kernel (torch.profiler's API).

    with minigrad.profiler.profile(record_shapes=True) as prof:
        loss_fn(model(x), y).backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20))
    prof.export_chrome_trace("trace.json")

Nothing is wrapped or timed unless a profile records (instrument.py). docs/profiling.md says
how to read the table.
"""
from .events import Event
from .profile import profile, record_function
from .schedule import ProfilerAction, ProfilerActivity, schedule
from .table import EventList, FunctionEventAvg

__all__ = ["Event", "EventList", "FunctionEventAvg", "ProfilerAction", "ProfilerActivity",
           "profile", "record_function", "schedule"]
