"""The activation section of source text 003: sigmoid, tanh and ReLU on
torch.arange(-8.0, 8.0, 0.1, requires_grad=True), their derivatives by
y.backward(torch.ones_like(x), retain_graph=True) with x.grad cleared in between, and softmax
over torch.Tensor([3., 1., -3.]) printed as PyTorch prints it. float32."""
import torch

x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
RESULTS = {"x_shape": tuple(x.shape), "x_dtype": str(x.dtype).split(".")[-1]}
gradients = {}
for name, activation in (("sigmoid", torch.nn.Sigmoid()), ("tanh", torch.nn.Tanh()),
                         ("relu", torch.nn.ReLU())):
    if x.grad is not None:
        x.grad.data.zero_()  # clear the previous gradient
    y = activation(x)
    y.backward(torch.ones_like(x), retain_graph=True)
    RESULTS[name] = y.detach().numpy().tolist()
    RESULTS[f"{name}_grad"] = x.grad.numpy().tolist()
    gradients[name] = x.grad.clone()
    print(f"{name}: max derivative {x.grad.max():.4f} at x = {x[x.grad.argmax()].item():.1f}")

sigmoid_x = torch.sigmoid(x)
RESULTS["sigmoid_grad_closed_form"] = bool(torch.allclose(  # sigmoid' = sigmoid (1 - sigmoid)
    gradients["sigmoid"], (sigmoid_x * (1 - sigmoid_x)).detach(), atol=1e-6))

z = torch.Tensor([3., 1., -3.])
softmax = torch.nn.Softmax(dim=0)
probabilities = softmax(z)
print(probabilities)
print(f"sum {probabilities.sum():.4f}")
RESULTS["softmax"] = probabilities.tolist()
RESULTS["softmax_repr"] = repr(probabilities)
COMPARE = {"rtol": 1.3e-6, "atol": 1e-5}
