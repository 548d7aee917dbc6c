# Writes a Buildbot-like snapshot of about N megabytes for bench/decode.ts: a BuilderStatus
# holding builds -> steps -> logs, old-style classes (OBJ, as Buildbot 0.7/0.8 wrote them),
# Python 2 str (SHORT_BINSTRING/BINSTRING), ints, floats, dicts, persistenceVersion keys.
# Run with Python 2.7: PYENV_VERSION=2.7.18 python2.7 gen_snapshot.py OUT MEGABYTES
import cPickle
import sys
import types

mod = types.ModuleType('buildbot.status.builder')
sys.modules['buildbot'] = types.ModuleType('buildbot')
sys.modules['buildbot.status'] = types.ModuleType('buildbot.status')
sys.modules['buildbot.status.builder'] = mod


def classic(name, version):
    cls = types.ClassType(name, (), {'persistenceVersion': version, '__module__': 'buildbot.status.builder'})
    setattr(mod, name, cls)
    return cls


BuilderStatus = classic('BuilderStatus', 1)
BuildStatus = classic('BuildStatus', 3)
BuildStepStatus = classic('BuildStepStatus', 2)
LogFile = classic('LogFile', 0)
SourceStamp = classic('SourceStamp', 1)
STEP_NAMES = ['git', 'compile', 'test', 'shell', 'shell_1', 'upload', 'lint', 'docs']


def versioned(obj, cls, **attrs):
    obj.__dict__.update(attrs)
    obj.__dict__['buildbot.status.builder.%s.persistenceVersion' % cls.__name__] = cls.persistenceVersion
    return obj


def build(builder, number, started):
    b = versioned(BuildStatus(), BuildStatus, number=number, builder=builder, reason='scheduler %d' % (number % 7),
                  started=started, finished=started + 61.5 + number % 13, results=number % 3,
                  text=['build', 'successful' if number % 3 == 0 else 'failed %d' % number],
                  slavename='slave-%d' % (number % 5), blamelist=['dev%d@example.org' % (number % 11)],
                  properties={'buildnumber': (number, 'Build'), 'branch': ('master', 'Build'),
                              'revision': ('%040x' % (number * 2654435761), 'Change')},
                  source=versioned(SourceStamp(), SourceStamp, branch='master', revision='%040x' % number, patch=None,
                                   changes=[]),
                  testResults={}, steps=[])
    for i, name in enumerate(STEP_NAMES):
        s = versioned(BuildStepStatus(), BuildStepStatus, name=name, build=b, text=[name, 'ok' if i % 4 else 'done'],
                      results=(i + number) % 2, started=started + i, finished=started + i + 0.25,
                      statistics={'warnings': i}, urls={}, logs=[], expectations=[('output', 2048 * i, None)],
                      step_number=i, waitingForLocks=False, hidden=False)
        for j, lname in enumerate(('stdio', 'err') if i % 2 else ('stdio',)):
            s.logs.append(versioned(LogFile(), LogFile, step=s, name=lname,
                                    filename='%d-log-%s-%s' % (number, name, lname), length=1000 * i + j,
                                    finished=True, compressMethod='bz2', runLength=0, chunkSize=10000))
        b.steps.append(s)
    return b


def main():
    out, megabytes = sys.argv[1], float(sys.argv[2])
    builder = versioned(BuilderStatus(), BuilderStatus, name='full', category='release', slavenames=['slave-1'],
                        nextBuild=0, buildHorizon=None, logHorizon=None, events=[], builds=[])
    # Measured on a sample: about 3,400 bytes of pickle per build.
    n = max(1, int(megabytes * 1e6 / 3400))
    for number in range(n):
        builder.builds.append(build(builder, number, 1310337743.0 + 100 * number))
    builder.nextBuild = n
    with open(out, 'wb') as f:
        cPickle.dump(builder, f, 2)


if __name__ == '__main__':
    main()
