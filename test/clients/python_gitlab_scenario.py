"""A full runner scenario through python-gitlab, the most used GitLab client, unchanged.

Run by test/rest/python-gitlab.test.ts against the real test server: argv[1] is a JSON object with the server's
URL, an administrator's token and the ids and registration tokens the test set up. Halfway, the script prints
{"runner_id": …} and waits for one line on stdin (the test gives the runner a job meanwhile). Any failed check,
any warning python-gitlab raises (such as "the base URL in the server response differs") and any HTTP error ends
it with a non-zero status and the reason on stderr; on success it prints {"ok": true, …} as its last line.
"""

import json
import sys
import warnings

import gitlab


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def ids(items):
    return sorted(item.id for item in items)


def main():
    config = json.loads(sys.argv[1])
    # python-gitlab warns, and goes on, when pagination links lead elsewhere than the URL it was given.
    warnings.simplefilter("error")
    gl = gitlab.Gitlab(config["url"], private_token=config["token"])
    gl.auth()
    check(gl.user.username == config["username"], f"authenticated as {gl.user.username}")
    check(gl.version() == ("17.5.0", "runners-gateway"), f"version {gl.version()}")

    # Register and verify, with the project's registration token (the runner's side).
    runner = gl.runners.create(
        {"token": config["project_registration"], "description": "python-gitlab", "tag_list": ["python", "linux"]}
    )
    # A project runner registered with a registration token: t3_ without glrt- (GitLab 17.x).
    check(runner.token.startswith("t3_"), f"runner token {runner.token[:5]}")
    gl.runners.verify(runner.token)

    # Lists, with filters, and every page of a paged list (python-gitlab follows rel="next").
    listed = gl.runners.list(type="project_type", status="online", tag_list=["python"], get_all=True)
    check(ids(listed) == [runner.id], f"filtered list {ids(listed)}")
    paused = gl.runners.list(paused=True, get_all=True)
    check(runner.id not in ids(paused), "an active runner listed as paused")
    for index in range(3):
        gl.runners.create({"token": config["instance_registration"], "description": f"paged {index}"})
    every = gl.runners.all(per_page=1, get_all=True)
    check(len(every) >= 4 and len(set(ids(every))) == len(every), f"paged list of {len(every)}")
    first_page = gl.runners.all(per_page=2, page=1, get_all=False)
    check(len(first_page) == 2, f"first page of {len(first_page)}")
    lazily = list(gl.runners.all(per_page=2, iterator=True))
    check(ids(lazily) == ids(every), "the iterator saw other runners than get_all")

    # Details and update.
    details = gl.runners.get(runner.id)
    check(details.description == "python-gitlab" and details.tag_list == ["python", "linux"], f"details {details.attributes}")
    check(details.online is True and details.runner_type == "project_type", f"status {details.attributes}")
    details.description = "renamed"
    details.tag_list = ["python"]
    details.maximum_timeout = 3600
    details.save()
    updated = gl.runners.get(runner.id)
    check(
        (updated.description, updated.tag_list, updated.maximum_timeout) == ("renamed", ["python"], 3600),
        f"updated {updated.attributes}",
    )

    # Jobs: the test gives the runner a job, then the client reads it.
    print(json.dumps({"runner_id": runner.id}), flush=True)
    sys.stdin.readline()
    jobs = updated.jobs.list(status="success", get_all=True)
    check(len(jobs) == 1 and jobs[0].status == "success", f"jobs {[job.attributes for job in jobs]}")

    # Enable in another project, list there, disable.
    other = gl.projects.get(config["other_project_id"], lazy=True)
    other.runners.create({"runner_id": runner.id})
    check(runner.id in ids(other.runners.list(get_all=True)), "not enabled in the other project")
    other.runners.delete(runner.id)
    check(runner.id not in ids(other.runners.list(type="project_type", get_all=True)), "still enabled in the other project")

    # Group runners: a runner registered with the group's token, listed by the group.
    group_runner = gl.runners.create({"token": config["group_registration"], "description": "group runner"})
    group = gl.groups.get(config["group_id"], lazy=True)
    check(group_runner.id in ids(group.runners.list(get_all=True)), "the group runner is not listed by its group")

    # Delete by id (DELETE with Content-Type: application/json and no body), and by the runner's own token.
    gl.runners.delete(runner.id)
    try:
        gl.runners.get(runner.id)
        raise AssertionError("the deleted runner is still there")
    except gitlab.exceptions.GitlabGetError as error:
        check(error.response_code == 404, f"after delete: {error.response_code}")
    gl.runners.delete(token=group_runner.token)
    try:
        gl.runners.get(group_runner.id)
        raise AssertionError("the unregistered runner is still there")
    except gitlab.exceptions.GitlabGetError as error:
        check(error.response_code == 404, f"after unregister: {error.response_code}")

    print(json.dumps({"ok": True, "runner_id": runner.id, "paged": len(every), "jobs": [job.id for job in jobs]}), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the test shows the reason; any failure is a failed scenario
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
