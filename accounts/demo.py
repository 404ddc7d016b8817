"""The demo owner and partner. Only seed_demo creates them."""

from accounts.models import Role, User

DEMO_USERS = [
    ("owner@example.com", "seller-hub-owner", Role.OWNER, "Demo Owner"),
    ("partner@example.com", "seller-hub-partner", Role.PARTNER, "Demo Partner"),
]


def seed(rng, out, options=None):
    for email, password, role, name in DEMO_USERS:
        if User.objects.filter(email=email).exists():
            out.write(f"User {email} already there (password left as it is).")
            continue
        User.objects.create_user(email, password, role=role, full_name=name)
        out.write(f"User {email} / {password} ({role}) created.")
