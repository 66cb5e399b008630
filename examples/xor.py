"""A 2-layer network learns XOR with .backward() and a hand-written SGD step."""
import minigrad as mg

mg.manual_seed(0)
x = mg.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
y = mg.tensor([[0.], [1.], [1.], [0.]])
w1, b1 = mg.randn(2, 8, requires_grad=True), mg.zeros(8, requires_grad=True)
w2, b2 = mg.randn(8, 1, requires_grad=True), mg.zeros(1, requires_grad=True)
for step in range(2000):
    p = mg.sigmoid(mg.tanh(x @ w1 + b1) @ w2 + b2)
    loss = ((p - y) ** 2).mean()
    loss.backward()
    with mg.no_grad():
        for w in (w1, b1, w2, b2):
            w -= 1.0 * w.grad
            w.grad = None
print(f"loss {loss.item():.4f}, predictions", [f"{v:.2f}" for (v,) in p.tolist()])
